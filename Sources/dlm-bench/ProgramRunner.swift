// dlm-bench — runs the C programs in bench/build (pingpong, loadgen, redisgen) and turns their JSON
// result line and raw nanosecond samples files into Measurements.

import Foundation
import Histogram

/// Runs one C benchmark program at a time in a scratch directory.
struct ProgramRunner {
    /// Where pingpong, loadgen and redisgen are.
    let programDirectory: String
    /// Scratch space for samples files and logs.
    let scratch: URL
    /// Environment for the programs (DLMD_SOCKET).
    let environment: [String: String]

    /// The parsed output of one program run.
    struct Output {
        var fields: [String: Any]
        var histograms: [Histogram<UInt64>]

        func number(_ key: String) -> Double { (fields[key] as? NSNumber)?.doubleValue ?? 0 }
    }

    /// Runs `program` with `arguments` (plus `--samples`/`--samples2`), bounded by `budget` seconds.
    func run(_ program: String, _ arguments: [String], budget: Double, sampleFiles: Int = 1) throws -> Output {
        let files = (0..<sampleFiles).map { scratch.appendingPathComponent("\(program)-\($0).samples") }
        var arguments = arguments
        for (index, file) in files.enumerated() {
            arguments += [index == 0 ? "--samples" : "--samples2", file.path]
        }
        let child = try ManagedProcess(
            binary: programDirectory + "/" + program, arguments: arguments, environment: environment,
            logFile: scratch.appendingPathComponent("\(program).log"))
        let text = try child.finish(within: budget + BenchLimits.programGraceSeconds)
        guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw BenchError(description: "\(program) printed no result line: \(text) \(child.log)") }
        let histograms = try files.map { try ProgramRunner.loadSamples($0) }
        for file in files { try? FileManager.default.removeItem(at: file) }
        return Output(fields: object, histograms: histograms)
    }

    /// Reads a samples file (little-endian UInt64 nanoseconds) into a histogram.
    static func loadSamples(_ file: URL) throws -> Histogram<UInt64> {
        var histogram = Measurement.makeHistogram()
        let data = try Data(contentsOf: file)
        data.withUnsafeBytes { raw in
            let count = raw.count / MemoryLayout<UInt64>.size
            for index in 0..<count {
                let value = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
                _ = histogram.record(min(max(value, 1), BenchLimits.histogramMaxNanoseconds))
            }
        }
        return histogram
    }

    /// A Measurement from an output: operations and seconds from its result line.
    func measurement(
        _ output: Output, workload: String, driver: String, unit: String, histogram: Int = 0
    ) -> Measurement {
        Measurement(
            workload: workload, driver: driver, unit: unit,
            clients: Int(output.number("clients")), depth: Int(output.number("depth")),
            operations: UInt64(output.number("ops")), seconds: output.number("seconds"),
            histogram: output.histograms[histogram])
    }
}
