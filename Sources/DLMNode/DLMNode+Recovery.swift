// dlmd — DLMNode: membership changes: stop, quorum loss and the start of recovery for a new view.

import DLMCore
import DLMWire

extension DLMNode {
    /// A view change began: every lockspace stops (client calls are queued until locking resumes,
    /// messages are held). `.prep` is reported for each lockspace this stops (running or inquorate
    /// before); a repeated stop (a retried proposal, a new one while recovering) reports nothing, so
    /// a client sees one prep per recovery sequence.
    public mutating func stopLockspaces() {
        for id in lockspaces.keys.sorted() {
            let before = lockspaces[id]?.phase
            lockspaces[id]?.stop()
            if before != lockspaces[id]?.phase { recoveryEvents.append(.prep(lockspace: id)) }
        }
    }

    /// This node is outside every quorate view: grant nothing, refuse calls with ENOTCONN.
    public mutating func quorumLost() {
        for id in lockspaces.keys.sorted() { lockspaces[id]?.phase = .inquorate }
    }

    /// View `generation` with `members` is committed (departed members fenced): recover and resume.
    public mutating func startRecovery(
        members: Set<NodeID>, generation: UInt64, failed: [NodeID], now: MonotonicInstant, directives: inout [NodeDirective]
    ) {
        invariant(generation > membership.generation, "recovery for an old view", dump: "\(membership.generation) -> \(generation)")
        membership = ClusterMembership(members: members, generation: generation)
        for id in lockspaces.keys.sorted() {
            for node in failed {
                recoveryEvents.append(.slot(lockspace: id, node: node, slot: lockspaces[id]?.slots[node] ?? 0))
            }
            lockspaces[id]?.beginRecovery(members: members, generation: generation, now: now, &directives)
            if lockspaces[id]?.phase == .running { noteDone(id) }
        }
    }

    func noteDoneIfResumed(_ id: UInt32, wasRunning: Bool) -> Bool { !wasRunning && lockspaces[id]?.phase == .running }

    mutating func noteDone(_ id: UInt32) {
        let slots = lockspaces[id]?.slots ?? [:]
        let members = slots.keys.sorted().map { MemberSlot(node: $0, slot: slots[$0]!) }
        recoveryEvents.append(.done(lockspace: id, members: members, ourSlot: slots[nodeID] ?? 0, generation: membership.generation))
    }

    /// A lock or recovery message sent by `sender` while it was in view `generation`.
    public mutating func onMessage(
        _ message: WireMessage, lockspace: UInt32, from sender: NodeID, generation: UInt64, now: MonotonicInstant,
        directives: inout [NodeDirective]
    ) {
        guard sender != nodeID, generation > membership.generation || membership.members.contains(sender) else { return }
        guard var ls = lockspaces.removeValue(forKey: lockspace) else { return }
        let wasRunning = ls.phase == .running
        ls.receive(message, generation: generation, from: sender, now: now, &directives)
        lockspaces[lockspace] = ls
        if noteDoneIfResumed(lockspace, wasRunning: wasRunning) { noteDone(lockspace) }
    }

    /// Recovery notifications since the last call.
    public mutating func takeRecoveryEvents() -> [RecoveryEvent] {
        defer { recoveryEvents = [] }
        return recoveryEvents
    }

    /// Queued client calls that failed when they ran at resume, or were refused because the recovery
    /// queue was full, since the last call (for the daemon's log).
    public mutating func takeDeferredCallFailures() -> [DeferredCallFailure] {
        var failures: [DeferredCallFailure] = []
        for id in lockspaces.keys.sorted() {
            failures += lockspaces[id]?.deferredFailures ?? []
            lockspaces[id]?.deferredFailures = []
        }
        return failures
    }

    /// Client calls queued in `lockspace` while it recovers.
    public func queuedCallCount(lockspace: UInt32) -> Int { lockspaces[lockspace]?.deferredCalls.count ?? 0 }

    /// Whether every lockspace is running (not stopped, rebuilding or inquorate).
    public var isRunning: Bool { lockspaces.values.allSatisfy { $0.phase == .running } }
}
