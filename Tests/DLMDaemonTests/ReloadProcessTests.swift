// Tests SIGHUP reload on the real dlmd: with a lock held, the config file is edited (log_level
// warning → notice, a new lockspace line) and SIGHUP is sent. The new lockspace becomes openable,
// dump_config shows the new level, the notice-level "configuration reloaded" line appears in the
// log (it could not at the old level), a non-reloadable change (socket) is reported as needing a
// restart, and the lock is still held (lockdebug shows it granted). A broken file on a second reload
// is rejected with an error and changes nothing. Every wait is bounded.

import DLMClientProtocol
import DLMCore
import Foundation
import Glibc
import Testing

@Suite("dlmd reload", .timeLimit(.minutes(1)))
struct ReloadProcessTests {
    @Test("SIGHUP applies log level and new lockspaces while a lock stays held; a bad file is refused")
    func reload() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/dlmd.sock"
        let configPath = directory + "/dlmd.conf"
        let logPath = directory + "/log"
        try "socket=\(socketPath)\nlog_level=warning\nlockspace default mode=0666\n"
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let process = try launchLogged(["--config", configPath], logPath: logPath)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(try await waitFor { FileManager.default.fileExists(atPath: socketPath) })

        let holder = try RawDaemonClient(socketPath: socketPath)
        #expect(try holder.request(.openLockspace(name: "default")).message == .result(RequestResult()))
        #expect(try holder.request(.lock(LockCall(mode: 5, name: Array("held".utf8)))).message
            == .result(RequestResult(errno: 0, lockID: 1)))
        #expect(try holder.next().message == .completion(CompletionCallback(lockID: 1, status: .granted, grantedMode: .ex)))

        try "socket=\(directory)/elsewhere.sock\nlog_level=notice\nlockspace default mode=0666\nlockspace extra mode=0666\n"
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        #expect(try await waitFor { fileText(logPath).contains("configuration reloaded") }, "notice line now logged")
        #expect(fileText(logPath).contains("reload ignored settings that need a restart"))
        #expect(fileText(logPath).contains("dlm.settings=socket"))

        let admin = try RawDaemonClient(socketPath: socketPath)
        #expect(try admin.query(.dumpConfig).contains("log_level=notice (dlm.conf)"))
        #expect(try admin.query(.ls).contains("name          extra"))
        let newcomer = try RawDaemonClient(socketPath: socketPath)
        #expect(try newcomer.request(.openLockspace(name: "extra")).message == .result(RequestResult()))
        let debug = try admin.query(.lockdebug, "default")
        #expect(debug.contains("00000001 EX node 1 pid \(getpid())"), "lock still granted:\n\(debug)")

        try "socket=\(socketPath)\nlog_level=verbose\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        #expect(try await waitFor { fileText(logPath).contains("reload failed; keeping the current configuration") })
        #expect(try admin.query(.dumpConfig).contains("log_level=notice (dlm.conf)"), "old config kept")
        #expect(try admin.query(.lockdebug, "default").contains("00000001 EX node 1"))
        #expect(process.isRunning)
        #expect(try await stopDaemon(process) == 0)
    }
}
