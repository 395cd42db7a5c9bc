// dlm-bench — the benchmark's own dlmd: a temp directory, a private config and socket, stopped by PID.

import DLM
import Foundation
import Glibc

/// A private dlmd for one benchmark run.
final class Daemon {
    let directory: URL
    let socketPath: String
    let child: ManagedProcess

    /// Starts `binary` on a socket in a new temp directory and waits until it accepts connections.
    init(binary: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dlm-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        socketPath = directory.appendingPathComponent("dlmd.sock").path
        let config = directory.appendingPathComponent("dlmd.conf")
        try "cluster_name=bench\nour_nodeid=1\nlog_level=warning\n".write(to: config, atomically: true, encoding: .utf8)
        child = try ManagedProcess(
            binary: binary, arguments: ["--config", config.path, "--socket", socketPath, "--foreground"],
            logFile: directory.appendingPathComponent("dlmd.log"))
        try waitForSocket()
    }

    var pid: Int32 { child.pid }

    private func waitForSocket() throws {
        let deadline = Date().addingTimeInterval(BenchLimits.startupSeconds)
        while Date() < deadline {
            guard child.process.isRunning else { throw BenchError(description: "dlmd exited: \(child.log)") }
            if let handle = try? DLM.createLockspace(BenchLimits.lockspace, mode: 0o666, socketPath: socketPath) {
                keeper = handle
                return
            }
            usleep(20_000)
        }
        throw BenchError(description: "dlmd did not listen within \(BenchLimits.startupSeconds) s: \(child.log)")
    }

    /// Keeps the benchmark lockspace alive between workloads.
    private var keeper: Lockspace?

    /// dlmd's resident set size in KiB (VmRSS of /proc/PID/status), or nil.
    var residentKilobytes: Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }

    /// Closes the keeper handle, stops dlmd by PID and removes the directory.
    func stop() {
        keeper?.close()
        keeper = nil
        child.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}
