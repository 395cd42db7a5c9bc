// Test support (not a test): runs the real `dlmd` binary on a temporary socket for end-to-end tests, and
// spawns `dlm_tool` child processes. Binaries come from this package's build directory
// (`.build/debug`, found from #filePath); build them first with
// `swift build --product dlmd && swift build --product dlm_tool`. Every wait is bounded; `stop()` sends
// SIGTERM, then SIGKILL after 5 s, and removes the temporary directory.

import Foundation
import Glibc
@testable import DLM

/// Errors of the harness itself (not of the code under test).
struct HarnessError: Error, CustomStringConvertible {
    let description: String
}

/// The package's build products directory.
func buildProductsDirectory(filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug")
}

/// A running dlmd on a private socket.
final class DaemonHarness: @unchecked Sendable {
    let directory: URL
    let socketPath: String
    private let process = Process()
    private let logFile: URL

    /// Starts dlmd and waits (up to 15 s) until its socket accepts connections.
    init() throws {
        let binary = buildProductsDirectory().appendingPathComponent("dlmd")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw HarnessError(description: "\(binary.path) missing: run `swift build --product dlmd` first")
        }
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("dlmd-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        socketPath = directory.appendingPathComponent("dlmd.sock").path
        logFile = directory.appendingPathComponent("dlmd.log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = binary
        process.arguments = try DaemonHarness.arguments(socketPath: socketPath, directory: directory)
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try waitForSocket()
    }

    /// The command line for a single-node dlmd on `socketPath`, with a private configuration file so
    /// that a system-wide /etc/dlmd/dlmd.conf is never read.
    static func arguments(socketPath: String, directory: URL) throws -> [String] {
        let config = directory.appendingPathComponent("dlmd.conf")
        try "cluster_name=clienttest\nour_nodeid=1\nlog_level=warning\n".write(to: config, atomically: true, encoding: .utf8)
        return ["--config", config.path, "--socket", socketPath, "--foreground"]
    }

    private func waitForSocket() throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if !process.isRunning { throw HarnessError(description: "dlmd exited: \(daemonLog)") }
            if let socket = try? UnixSocket.connect(path: socketPath) {
                socket.closeSocket()
                return
            }
            usleep(20_000)
        }
        stop()
        throw HarnessError(description: "dlmd did not listen within 15 s: \(daemonLog)")
    }

    /// What dlmd wrote to stdout and stderr.
    var daemonLog: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Stops dlmd (SIGTERM, then SIGKILL after 5 s) and removes the directory.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    /// Starts `dlm_tool` with `arguments` against this daemon.
    func spawnTool(_ arguments: [String]) throws -> ToolProcess {
        try ToolProcess(arguments: arguments + ["--socket", socketPath])
    }
}

/// A `dlm_tool` child process whose standard output is collected line by line.
final class ToolProcess: @unchecked Sendable {
    let process = Process()
    private let pipe = Pipe()
    private let lock = ConditionLock()
    private var buffer = ""
    private var reachedEndOfOutput = false

    init(arguments: [String]) throws {
        let binary = buildProductsDirectory().appendingPathComponent("dlm_tool")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw HarnessError(description: "\(binary.path) missing: run `swift build --product dlm_tool` first")
        }
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            self.lock.withLock {
                if data.isEmpty {
                    self.reachedEndOfOutput = true
                } else {
                    self.buffer += String(decoding: data, as: UTF8.self)
                }
            }
            if data.isEmpty { handle.readabilityHandler = nil }
        }
        try process.run()
    }

    /// Everything printed so far.
    var output: String { lock.withLock { buffer } }

    /// Waits up to `seconds` for `text` to appear in the output.
    func waitFor(_ text: String, seconds: Double = 10) -> Bool {
        eventually(seconds) { output.contains(text) }
    }

    /// Waits up to `seconds` for the process to exit and for its output to be read to the end (the
    /// pipe's reader runs on another thread, so exit alone does not mean the last lines arrived);
    /// kills it if it does not exit.
    @discardableResult
    func waitForExit(seconds: Double = 10) -> Int32? {
        let exited = eventually(seconds) { !process.isRunning }
        if !exited { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        _ = eventually(seconds) { lock.withLock { reachedEndOfOutput } }
        return exited ? process.terminationStatus : nil
    }

    /// Sends SIGKILL and reaps the process.
    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { killHard() }
        pipe.fileHandleForReading.readabilityHandler = nil
    }
}

/// Runs `body`, failing with a HarnessError (and cancelling it) if it takes longer than `seconds`.
func withDeadline<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw HarnessError(description: "timed out after \(seconds) s")
        }
        return value
    }
}
