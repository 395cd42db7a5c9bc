// dlmd — DLMDaemon: READY/STATUS/WATCHDOG/STOPPING notifications, sent from the server's event loop.

import DLMServer
import NIOCore

/// Tells the service manager what the daemon is doing. Its periodic task runs on the server's event
/// loop — the loop that serves every request — so a hung loop stops the `WATCHDOG=1` pings and
/// systemd's watchdog restarts the daemon. Each tick pings (when the watchdog is on) and sends
/// `STATUS=` when the summary changed.
///
///     start(): READY=1 + STATUS ──every tick──▶ WATCHDOG=1 [+ STATUS] ──stopping()──▶ STOPPING=1
///
/// `@unchecked Sendable`: the mutable fields are touched only on `server.eventLoop`.
public final class ServiceStatusReporter: @unchecked Sendable {
    /// Longest gap between status refreshes when no watchdog asks for more frequent ticks.
    public static let statusIntervalMax: Duration = .seconds(2)

    private let server: DLMServer
    private let nodeID: UInt32
    private let send: @Sendable (String) -> Void
    private let watchdogPeriod: Duration?
    private var task: RepeatedTask?
    private var lastStatus = ""

    /// - Parameters:
    ///   - server: whose census the status line reports, and whose loop runs the ticks.
    ///   - nodeID: this node's id, shown in the status line.
    ///   - watchdogPeriod: systemd's `WATCHDOG_USEC` (nil: no pings); pings go at half of it.
    ///   - send: delivers one notification (`SystemdNotifier.notify` in the daemon).
    public init(
        server: DLMServer, nodeID: UInt32, watchdogPeriod: Duration?,
        send: @escaping @Sendable (String) -> Void = { SystemdNotifier.notify($0) }
    ) {
        self.server = server
        self.nodeID = nodeID
        self.watchdogPeriod = watchdogPeriod
        self.send = send
    }

    /// The tick period: half the watchdog period, at most `statusIntervalMax`.
    public var tick: Duration {
        guard let watchdogPeriod else { return Self.statusIntervalMax }
        return min(watchdogPeriod / 2, Self.statusIntervalMax)
    }

    /// Sends `READY=1` with the first status and starts the ticks. Call once the socket listens and the
    /// configured lockspaces exist.
    public func ready() async throws {
        try await server.eventLoop.submit {
            self.lastStatus = self.statusLine()
            self.send("READY=1\nSTATUS=\(self.lastStatus)")
            let period = TimeAmount.nanoseconds(Int64(self.tick.components.seconds) * 1_000_000_000
                + self.tick.components.attoseconds / 1_000_000_000)
            self.task = self.server.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
                self.tickFired()
            }
        }.get()
    }

    /// Sends a one-off status (for example after a reload).
    public func announce(_ status: String) async throws {
        try await server.eventLoop.submit { self.send("STATUS=\(status)") }.get()
    }

    /// Stops the ticks and sends `STOPPING=1` with a status saying so.
    public func stopping() async throws {
        try await server.eventLoop.submit {
            self.task?.cancel()
            self.task = nil
            self.send("STOPPING=1\nSTATUS=stopping: closing clients and leaving lockspaces")
        }.get()
    }

    private func tickFired() {
        let status = statusLine()
        var message = watchdogPeriod == nil ? "" : "WATCHDOG=1"
        if status != lastStatus {
            lastStatus = status
            message += (message.isEmpty ? "" : "\n") + "STATUS=\(status)"
        }
        if !message.isEmpty { send(message) }
    }

    /// `serving: node 1, members 1, lockspaces 2, clients 3, locks 5, resources 4`.
    /// With dynamic membership: `serving: node 1, view 4 members 3 recovering, lockspaces …` (the view
    /// generation, its size, and running / stopped / recovering / inquorate / fencing with the nodes
    /// waiting for fencing).
    func statusLine() -> String {
        let census = server.census
        let membership = server.membershipSummary.map { "\($0.statusLine), " } ?? "members 1, "
        return "serving: node \(nodeID), \(membership)lockspaces \(census.lockspaces), clients \(census.sessions),"
            + " locks \(census.locks), resources \(census.resources)"
    }
}
