// Tests the Prometheus endpoint of the real dlmd (metrics_listen=127.0.0.1:PORT): two clients take
// EX and then PR on one resource (the PR waits until the EX is released), then the test scrapes
// GET /metrics over loopback and checks the series and their values: requests and grants by mode,
// the wait-time histogram count, locks/resources/client gauges, messages by type and direction,
// and recoveries at 0. Other paths answer 404. lockdebug shows the waiter's wait with millisecond
// resolution while it waits. Every wait is bounded.

import DLMClientProtocol
import DLMCore
import Foundation
import Glibc
import Testing

@Suite("dlmd metrics", .timeLimit(.minutes(1)))
struct MetricsProcessTests {
    @Test("GET /metrics after a few locks shows the expected series")
    func scrape() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/dlmd.sock"
        let port = try freeLoopbackPort()
        try "socket=\(socketPath)\nlog_level=warning\nmetrics_listen=127.0.0.1:\(port)\nlockspace default mode=0666\n"
            .write(toFile: directory + "/dlmd.conf", atomically: true, encoding: .utf8)
        let process = try launchLogged(["--config", directory + "/dlmd.conf"], logPath: directory + "/log")
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(try await waitFor { FileManager.default.fileExists(atPath: socketPath) })
        #expect(try await waitFor { (try? httpGet(port: port, path: "/metrics"))?.contains("200 OK") == true })

        let first = try RawDaemonClient(socketPath: socketPath)
        let second = try RawDaemonClient(socketPath: socketPath)
        for client in [first, second] {
            #expect(try client.request(.openLockspace(name: "default")).message == .result(RequestResult()))
        }
        _ = try first.request(.lock(LockCall(mode: 5, name: Array("r1".utf8))))
        #expect(try first.next().message == .completion(CompletionCallback(lockID: 1, status: .granted, grantedMode: .ex)))
        #expect(try second.request(.lock(LockCall(mode: 3, name: Array("r1".utf8)))).message
            == .result(RequestResult(errno: 0, lockID: 2)))
        try await Task.sleep(for: .milliseconds(30))
        let debug = try first.query(.lockdebug, "default")
        #expect(debug.contains("Master node 1 (local)"))
        let waitLine = try #require(debug.split(separator: "\n").first { $0.hasPrefix("00000002 -- (PR)") })
        #expect(waitLine.wholeMatch(of: /00000002 -- \(PR\) node 1 pid \d+ wait \d+\.\d{3}s/) != nil, "\(waitLine)")
        _ = try first.request(.unlock(UnlockCall(lockID: 1)))
        #expect(try first.next().message == .completion(CompletionCallback(lockID: 1, status: .unlocked, grantedMode: nil)))
        #expect(try second.next().message == .completion(CompletionCallback(lockID: 2, status: .granted, grantedMode: .pr)))

        let response = try httpGet(port: port, path: "/metrics")
        #expect(response.hasPrefix("HTTP/1.1 200 OK"))
        #expect(response.contains("text/plain; version=0.0.4"))
        let series = metricValues(response)
        #expect(series[#"dlm_lock_requests_total{mode="EX"}"#] == 1)
        #expect(series[#"dlm_lock_requests_total{mode="PR"}"#] == 1)
        #expect(series[#"dlm_lock_requests_total{mode="NL"}"#] == 0)
        #expect(series[#"dlm_lock_grants_total{mode="EX"}"#] == 1)
        #expect(series[#"dlm_lock_grants_total{mode="PR"}"#] == 1)
        #expect(series["dlm_lock_wait_seconds_count"] == 2)
        #expect((series["dlm_lock_wait_seconds_sum"] ?? 0) >= 0.02, "the PR waited at least 30 ms")
        #expect(series["dlm_locks"] == 1)
        #expect(series["dlm_resources"] == 1)
        #expect(series["dlm_lockspaces"] == 1)
        #expect(series["dlm_waiters"] == 0)
        #expect(series["dlm_client_connections"] == 2)
        #expect(series[#"dlm_messages_total{type="lock",direction="in"}"#] == 2)
        #expect(series[#"dlm_messages_total{type="unlock",direction="in"}"#] == 1)
        #expect(series[#"dlm_messages_total{type="completion",direction="out"}"#] == 3)
        #expect(series["dlm_recoveries_total"] == 0)
        #expect(series["dlm_recovery_duration_seconds_count"] == 0)

        #expect(try httpGet(port: port, path: "/other").hasPrefix("HTTP/1.1 404"))
        #expect(try await stopDaemon(process) == 0)
    }
}

/// `series{labels} value` lines of a Prometheus text body, by series.
private func metricValues(_ response: String) -> [String: Double] {
    var values: [String: Double] = [:]
    for line in response.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        values[String(line[..<space])] = value
    }
    return values
}
