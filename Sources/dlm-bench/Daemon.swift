// dlm-bench — the benchmark's own dlmd: a temp directory, a private config and socket, stopped by PID.

import DLM
import Foundation
import Glibc

/// A private dlmd for one benchmark run.
final class Daemon {
    let directory: URL
    let socketPath: String
    let child: ManagedProcess

    /// Whether `stop` removes `directory` (only when this daemon made it).
    private let ownsDirectory: Bool

    /// Starts `binary` on a socket in a new temp directory and waits until it accepts connections.
    convenience init(binary: String) throws {
        let directory = try Daemon.makeScratchDirectory()
        try self.init(
            binary: binary, directory: directory, name: "dlmd", lockspace: BenchLimits.lockspace,
            config: "cluster_name=bench\nour_nodeid=1\nlog_level=warning\n")
    }

    /// Starts `binary` with `config` written to `directory/name.conf`, socket `directory/name.sock`,
    /// and waits until it accepts connections (creating or joining `lockspace`, kept open).
    /// - Parameter ownsDirectory: whether `stop` removes `directory`.
    init(binary: String, directory: URL, name: String, lockspace: String, config: String, ownsDirectory: Bool = true)
        throws
    {
        self.directory = directory
        self.ownsDirectory = ownsDirectory
        socketPath = directory.appendingPathComponent("\(name).sock").path
        let configFile = directory.appendingPathComponent("\(name).conf")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        child = try ManagedProcess(
            binary: binary, arguments: ["--config", configFile.path, "--socket", socketPath, "--foreground"],
            logFile: directory.appendingPathComponent("\(name).log"))
        try waitForSocket(lockspace: lockspace)
    }

    /// A new, empty directory under the temp directory for one run.
    static func makeScratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dlm-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    var pid: Int32 { child.pid }

    private func waitForSocket(lockspace: String) throws {
        let deadline = Date().addingTimeInterval(BenchLimits.startupSeconds)
        while Date() < deadline {
            guard child.process.isRunning else { throw BenchError(description: "dlmd exited: \(child.log)") }
            if let handle = try? DLM.createLockspace(lockspace, mode: 0o666, socketPath: socketPath) {
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
        if ownsDirectory { try? FileManager.default.removeItem(at: directory) }
    }

    deinit { stop() }
}
