// dlmd — DLMServer: the membership shell: the agent's tick timer on the event loop, membership frames
// to and from the transport, fence agent runs, and recovery metrics.

import DLMCore
import DLMTransport
import DLMWire
import NIOCore

extension DLMServer {
    /// Starts the membership tick (a cluster node with dynamic membership; no-op otherwise). Call once,
    /// after `attach(transport:)`.
    public func startMembership() async throws {
        try await eventLoop.submit {
            guard let settings = self.service.configuration.membership, self.membershipTask == nil else { return }
            let period = min(settings.heartbeatInterval / 2, Self.membershipTickMax)
            let amount = TimeAmount.nanoseconds(Int64(period.components.seconds) * 1_000_000_000 + period.components.attoseconds / 1_000_000_000)
            self.membershipTask = self.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: amount) { _ in
                self.membershipTicked()
            }
            self.logger.info("membership started", metadata: ["dlm.incarnation": "\(settings.incarnation)"])
        }.get()
    }

    /// Longest pause between two membership ticks (commits waiting for fencing are retried per tick).
    static let membershipTickMax: Duration = .milliseconds(100)

    func membershipTicked() {
        service.membershipTick(now: now, output: &outputs)
        afterMembership()
    }

    /// A membership frame from a peer (sequenced VIEW_* or an unsequenced VIEW_HEARTBEAT).
    func receivedMembership(_ message: WireMessage, from sender: NodeID) {
        eventLoop.preconditionInEventLoop()
        service.receiveMembership(message, from: sender, now: now, output: &outputs)
        afterMembership()
    }

    /// Performs outputs, records finished recoveries, flushes.
    func afterMembership() {
        apply()
        for duration in service.takeFinishedRecoveries() {
            metrics.recoveries.increment()
            metrics.recoveryDuration.recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        }
        flushPending()
    }

    /// Hands a membership message to the transport (sequenced types through the reliable session).
    func sendMembership(_ message: WireMessage, to peer: NodeID) {
        guard let transport else { return }
        if message.type.isSequenced {
            do {
                try transport.send(message, lockspace: 0, to: peer)
            } catch {
                logger.warning("membership send failed", metadata: ["dlm.node": "\(peer)", "dlm.error": "\(error)"])
            }
        } else {
            transport.sendLink(message, to: peer)
        }
    }

    /// Resets the link's session when it still belongs to another incarnation of `node` than the
    /// committed view's (the view was agreed before this node's link saw the restart): frames for the
    /// new view must not be queued on the old incarnation's session, which its reconnection discards.
    func expectIncarnation(_ incarnation: UInt32, of node: NodeID) {
        guard let transport, let known = transport.incarnation(of: node),
            MembershipSettings.incarnation(ofRun: known) != incarnation
        else { return }
        transport.forgetIncarnation(of: node)
    }

    /// Starts the fence agent for one victim incarnation; its result comes back on the loop.
    func runFenceAgent(node: NodeID, incarnation: UInt32) {
        guard let settings = service.configuration.membership, let command = settings.fenceCommands[node] else { return }
        FenceAgentRunner.run(command, node: node, timeout: settings.fenceTimeout, logger: logger) { success in
            self.eventLoop.execute {
                self.service.fenceAgentFinished(node: node, incarnation: incarnation, success: success, now: self.now, output: &self.outputs)
                self.afterMembership()
            }
        }
    }

    /// Membership and recovery state for `status` and the daemon's sd_notify line; call on `eventLoop`.
    public var membershipSummary: MembershipSummary? {
        eventLoop.preconditionInEventLoop()
        return service.membershipSummary(now: now)
    }
}
