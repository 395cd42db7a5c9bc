// dlm-bench — child processes the benchmark starts (dlmd, the C programs): bounded waits, stopped by PID.

import Foundation
import Glibc

/// Errors of the benchmark harness.
struct BenchError: Error, CustomStringConvertible {
    let description: String
}

/// A child process started by the benchmark, stopped by its own PID.
final class ManagedProcess: @unchecked Sendable {
    let process = Process()
    private let stdoutPipe = Pipe()
    private let logFile: URL

    /// Starts `binary` with `arguments`; stdout is collected, stderr goes to `logFile`.
    init(binary: String, arguments: [String], environment: [String: String] = [:], logFile: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError(description: "\(binary) is missing or not executable (make -C bench all)")
        }
        self.logFile = logFile
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = stdoutPipe
        process.standardError = try FileHandle(forWritingTo: logFile)
        try process.run()
        Watchdog.register(process.processIdentifier)
    }

    var pid: Int32 { process.processIdentifier }

    /// What the process wrote to stderr.
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Waits up to `seconds` for the process to exit, then kills it; returns its stdout.
    func finish(within seconds: Double) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        let data = readAll(until: deadline)
        while process.isRunning, Date() < deadline { usleep(1_000) }
        let name = process.executableURL?.lastPathComponent ?? "child"
        if process.isRunning {
            stop()
            throw BenchError(description: "\(name) ran over \(seconds) s")
        }
        process.waitUntilExit()
        Watchdog.unregister(pid)
        guard process.terminationStatus == 0 else { throw BenchError(description: "\(name) failed: \(log)") }
        return String(decoding: data, as: UTF8.self)
    }

    private func readAll(until deadline: Date) -> Data {
        let handle = stdoutPipe.fileHandleForReading
        let box = DataBox()
        let reader = Thread { box.set(handle.readDataToEndOfFile()) }
        reader.start()
        while !box.done, Date() < deadline { usleep(5_000) }
        if !box.done { stop() }
        while !box.done { usleep(5_000) }
        return box.data
    }

    /// SIGTERM, then SIGKILL after `BenchLimits.stopSeconds`; reaps the process.
    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(BenchLimits.stopSeconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        Watchdog.unregister(pid)
    }

    /// SIGKILL at once (the crash the recovery workload measures); reaps the process.
    func kill9() {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
        process.waitUntilExit()
        Watchdog.unregister(pid)
    }

    deinit { stop() }
}

/// Data handed from a reader thread.
private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = Data()
    private var finished = false

    func set(_ data: Data) {
        lock.lock()
        stored = data
        finished = true
        lock.unlock()
    }

    var done: Bool {
        lock.lock()
        defer { lock.unlock() }
        return finished
    }

    var data: Data {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
