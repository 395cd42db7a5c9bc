// Tests that the benchmark itself does not rot: builds the C programs (`make -C bench programs`), runs
// `dlm-bench --quick` end to end against its own private dlmd (and three private nodes for the
// cluster workloads, and three more for the small recovery run: 10^3 locks, node 3 killed), and checks
// that it exits 0 and that every line starting with "{" is a valid JSON object with the expected fields,
// for every workload and driver.
// Needs built binaries: `swift build -c release --product dlmd --product dlm-bench` (or the debug ones).
// No timing assertions; the whole run is bounded to 90 s and the child is killed by PID after that.

import Foundation
import Testing

private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The first of release/debug that has both binaries.
private func productsDirectory() -> URL? {
    for configuration in ["release", "debug"] {
        let directory = packageRoot.appendingPathComponent(".build/\(configuration)")
        let names = ["dlmd", "dlm-bench"]
        if names.allSatisfy({ FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent($0).path) }) {
            return directory
        }
    }
    return nil
}

/// Runs `executable` with `arguments`, stopping it after `seconds` (SIGTERM, then SIGKILL 5 s later);
/// returns (status, stdout+stderr).
private func runBounded(_ executable: String, _ arguments: [String], seconds: Double) throws -> (Int32, String) {
    let process = Process()
    let pipe = Pipe()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = packageRoot
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let timer = DispatchSource.makeTimerSource()
    let pid = process.processIdentifier
    timer.schedule(deadline: .now() + seconds)
    // SIGTERM first, so dlm-bench's watchdog stops the dlmd it started; SIGKILL only if that fails.
    timer.setEventHandler {
        kill(pid, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) { if process.isRunning { kill(pid, SIGKILL) } }
    }
    timer.resume()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    timer.cancel()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Test(.timeLimit(.minutes(4))) func quickRunEmitsValidJSONLines() throws {
    let products = try #require(productsDirectory(), "build dlmd and dlm-bench first (see the file comment)")
    let (makeStatus, makeOutput) = try runBounded("/usr/bin/make", ["-C", "bench", "programs"], seconds: 60)
    #expect(makeStatus == 0, "make -C bench programs: \(makeOutput)")
    let bench = products.appendingPathComponent("dlm-bench").path
    let (status, output) = try runBounded(
        bench, ["--quick", "--bench-dir", packageRoot.appendingPathComponent("bench/build").path,
                "--dlmd", products.appendingPathComponent("dlmd").path], seconds: 150)
    #expect(status == 0, "dlm-bench failed: \(output)")
    let objects = output.split(separator: "\n").filter { $0.hasPrefix("{") }.compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    let jsonLines = output.split(separator: "\n").filter { $0.hasPrefix("{") }
    #expect(objects.count == jsonLines.count, "every JSON line parses")
    let workloads = objects.filter { $0["workload"] != nil }
    let seen = Set(workloads.map { "\($0["workload"]!)/\($0["driver"]!)" })
    let expected: Set<String> = [
        "roundtrip/raw-unix", "roundtrip/raw-tcp", "local/libdlm-c", "pipelined/libdlm-c", "contended/libdlm-c",
        "shared/libdlm-c", "shared-writer/libdlm-c", "held-1e3/libdlm-c", "held/libdlm-c", "local/swift",
        "pipelined/swift", "contended/swift", "local/raw-proto-c", "pipelined/raw-proto-c",
        "remote-lock/libdlm-c", "remote-unlock/libdlm-c", "lookup-lock/libdlm-c", "lookup-unlock/libdlm-c",
        "recovery-detect/dlmd", "recovery-running/dlmd", "recovery-grant/dlmd",
    ]
    #expect(seen == expected)
    for object in workloads {
        for key in ["ops", "ops_per_s", "p50_us", "p99_us", "p999_us", "clients", "outstanding_per_client"] {
            #expect(object[key] is NSNumber, "\(key) in \(object)")
        }
        #expect((object["ops"] as? NSNumber)?.intValue ?? 0 > 0, "each workload did some operations: \(object)")
    }
    for object in workloads where ["remote", "lookup"].contains(where: { (object["workload"] as? String ?? "").hasPrefix($0) }) {
        #expect(object["ratio_p50_to_path"] is NSNumber, "cluster rows carry their path ratio: \(object)")
    }
    for object in workloads where (object["workload"] as? String ?? "").hasPrefix("recovery") {
        #expect((object["held"] as? NSNumber)?.intValue == 1_000, "the quick recovery run holds 10^3 locks: \(object)")
        let detect = (object["detect_s"] as? NSNumber)?.doubleValue ?? -1
        let granted = (object["granted_s"] as? NSNumber)?.doubleValue ?? -1
        #expect(detect > 0 && granted > 0, "detection and grant were measured: \(object)")
    }
    let held = try #require(workloads.first { $0["workload"] as? String == "held" })
    #expect((held["held"] as? NSNumber)?.intValue == 5_000)
    #expect((held["bytes_per_lock"] as? NSNumber) != nil)
    #expect(output.contains("| workload | driver |"), "the table is printed")
}
