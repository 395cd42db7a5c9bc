// Tests dlmd's systemd notification protocol against the real binary, without systemd: the test
// binds an AF_UNIX datagram socket, starts dlmd with NOTIFY_SOCKET pointing at it (plus
// WATCHDOG_USEC and WATCHDOG_PID naming dlmd itself), and reads what arrives: READY=1 with a STATUS=
// line once the socket listens, repeated WATCHDOG=1 pings at half the period, a STATUS= update when
// a client connects, and STOPPING=1 after SIGTERM (then the client's connection is closed and the
// socket file removed: the graceful shutdown). A WATCHDOG_PID naming another process turns the
// pings off, as sd_watchdog_enabled(3) specifies. A metrics port that is taken makes dlmd exit 1
// without ever sending READY=1. Every wait is bounded.

import DLMClientProtocol
import Foundation
import Glibc
import Testing

@Suite("dlmd sd_notify", .timeLimit(.minutes(1)))
struct SystemdNotifyProcessTests {
    @Test("READY, STATUS, WATCHDOG and STOPPING reach NOTIFY_SOCKET")
    func notifications() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notify = try NotifySocket(path: directory + "/notify")
        let socketPath = directory + "/dlmd.sock"
        try "socket=\(socketPath)\nlog_level=warning\nlockspace default mode=0666\n"
            .write(toFile: directory + "/dlmd.conf", atomically: true, encoding: .utf8)
        let process = try launchLogged(
            ["--config", directory + "/dlmd.conf"], logPath: directory + "/log",
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"], watchdogPIDIsSelf: true)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        #expect(notify.waitFor("READY=1"), "READY=1 arrives")
        #expect(FileManager.default.fileExists(atPath: socketPath), "READY=1 comes after the socket listens")
        let ready = try #require(notify.messages.first { $0.contains("READY=1") })
        #expect(ready.contains("STATUS=serving: node 1, members 1, lockspaces 1, clients 0"), "\(ready)")

        notify.drain(milliseconds: 1100)  // 400 ms period: a ping every 200 ms
        let pings = notify.assignments.filter { $0 == "WATCHDOG=1" }.count
        #expect(pings >= 3 && pings <= 8, "about five pings in 1.1 s, got \(pings)")

        let client = try RawDaemonClient(socketPath: socketPath)
        #expect(try client.request(.openLockspace(name: "default")).message == .result(RequestResult()))
        #expect(notify.waitFor("clients 1"), "STATUS= follows the client count")

        #expect(try await stopDaemon(process) == 0)
        #expect(throws: DaemonTestError.self, "the client's connection was closed") { try client.next() }
        #expect(!FileManager.default.fileExists(atPath: socketPath), "socket file removed")
        notify.drain(milliseconds: 200)
        #expect(notify.assignments.contains("STOPPING=1"), "STOPPING=1 on SIGTERM: \(notify.assignments)")
        let stopping = notify.assignments.firstIndex(of: "STOPPING=1") ?? 0
        #expect(!notify.assignments[stopping...].contains("WATCHDOG=1"), "no pings after STOPPING=1")
    }

    @Test("a WATCHDOG_PID naming another process means no pings")
    func watchdogForSomeoneElse() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notify = try NotifySocket(path: directory + "/notify")
        try "socket=\(directory)/dlmd.sock\nlog_level=warning\n"
            .write(toFile: directory + "/dlmd.conf", atomically: true, encoding: .utf8)
        let process = try launchLogged(
            ["--config", directory + "/dlmd.conf"], logPath: directory + "/log",
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(notify.waitFor("READY=1"))
        notify.drain(milliseconds: 600)
        #expect(!notify.assignments.contains("WATCHDOG=1"), "\(notify.assignments)")
        #expect(try await stopDaemon(process) == 0)
    }

    @Test("a taken metrics port fails the start before READY=1")
    func metricsPortTaken() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notify = try NotifySocket(path: directory + "/notify")
        let (listener, port) = try listeningLoopbackSocket()
        defer { close(listener) }
        try "socket=\(directory)/dlmd.sock\nmetrics_listen=127.0.0.1:\(port)\nlockspace default\n"
            .write(toFile: directory + "/dlmd.conf", atomically: true, encoding: .utf8)
        let process = try launchLogged(
            ["--config", directory + "/dlmd.conf"], logPath: directory + "/log", environment: ["NOTIFY_SOCKET": notify.path])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(try await waitFor { !process.isRunning })
        #expect(process.terminationStatus == 1)
        #expect(fileText(directory + "/log").contains("metrics endpoint cannot listen"))
        notify.drain(milliseconds: 100)
        #expect(!notify.assignments.contains("READY=1"), "\(notify.assignments)")
    }
}
