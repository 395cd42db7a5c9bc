// dlmd — DLMNode: the per-node deterministic state machine: client calls, peer messages and ticks in,
// directives (send, deliver, schedule timer) out. No clock, no I/O, no randomness.

import DLMCore
import DLMEngine
import DLMRecovery
import DLMWire

/// One cluster node. Every entry point appends what it decided to `directives`, in order; the shell
/// (daemon or simulator) sends the messages through the peers' reliable sessions, delivers the
/// callbacks to client handles, and calls `onTick` when a scheduled instant comes.
///
///     client call ─► lock/unlock/deadlockCancel/closeHandle ─┐
///     peer message ─► onMessage ──────────────────────────────┼─► [NodeDirective]
///     timer ─► onTick ────────────────────────────────────────┘
public struct DLMNode: Sendable {
    /// This node's id.
    public let nodeID: NodeID
    /// The static membership the node runs with.
    public internal(set) var membership: ClusterMembership
    var lockspaces: [UInt32: NodeLockspace] = [:]
    var recoveryEvents: [RecoveryEvent] = []

    public init(nodeID: NodeID, membership: ClusterMembership) {
        invariant(membership.members.contains(nodeID), "node is not a member", dump: "node \(nodeID)")
        self.nodeID = nodeID
        self.membership = membership
    }

    /// The membership generation (static for now).
    public var generation: UInt64 { membership.generation }

    /// Opens (joins) a lockspace; every member must join it with the same configuration.
    /// - Returns: the lockspace's global id, used by every other call.
    /// - Throws: `EINVAL` for a bad weight table.
    @discardableResult
    public mutating func joinLockspace(_ configuration: LockspaceConfiguration) throws(DLMErrno) -> UInt32 {
        let id = configuration.globalID
        if lockspaces[id] == nil {
            lockspaces[id] = try NodeLockspace(node: nodeID, configuration: configuration, members: membership.members)
            lockspaces[id]?.generation = membership.generation
            // A node with a view numbers the members it starts with; a new incarnation (generation
            // 0) has no slot until its first recovery.
            if membership.generation > 0 {
                lockspaces[id]?.slots = SlotAssignment.assign(reports: Dictionary(uniqueKeysWithValues: membership.members.map { ($0, 0) }))
            }
        }
        return id
    }

    private mutating func withLockspace<R>(
        _ id: UInt32, _ body: (inout NodeLockspace) throws(DLMErrno) -> R
    ) throws(DLMErrno) -> R {
        guard var lockspace = lockspaces.removeValue(forKey: id) else { throw .ENOENT }
        defer { lockspaces[id] = lockspace }
        return try body(&lockspace)
    }

    /// `dlm_ls_lock`: a new lock or a conversion (same validation and errno as `LockEngine.lock`).
    /// While the lockspace recovers the call is checked, queued and run at resume (a new lock gets
    /// its id now); on an inquorate node it fails with ENOTCONN.
    /// - Returns: this node's lock id and whether a completion follows.
    public mutating func lock(
        lockspace: UInt32, _ request: LockRequest, now: MonotonicInstant, directives: inout [NodeDirective]
    ) throws(DLMErrno) -> (lockID: LockID, outcome: OperationOutcome) {
        try withLockspace(lockspace) { (ls) throws(DLMErrno) in
            if ls.queuesCalls { return try ls.deferLock(request) }
            if let refusal = ls.refusal { throw refusal }
            return try ls.lock(request, now: now, &directives)
        }
    }

    /// `dlm_ls_unlock` with CANCEL / FORCEUNLOCK / VALBLK / IVVALBLK.
    public mutating func unlock(
        lockspace: UInt32, lockID: LockID, flags: LockFlags = [], valueBlock: ValueBlock? = nil,
        now: MonotonicInstant, directives: inout [NodeDirective]
    ) throws(DLMErrno) -> OperationOutcome {
        try withLockspace(lockspace) { (ls) throws(DLMErrno) in
            if ls.queuesCalls { return try ls.deferUnlock(lockID: lockID, flags: flags, valueBlock: valueBlock) }
            if let refusal = ls.refusal { throw refusal }
            return try ls.unlock(lockID: lockID, flags: flags, valueBlock: valueBlock, now: now, &directives)
        }
    }

    /// `dlm_ls_deadlock_cancel`.
    public mutating func deadlockCancel(
        lockspace: UInt32, lockID: LockID, now: MonotonicInstant, directives: inout [NodeDirective]
    ) throws(DLMErrno) -> OperationOutcome {
        try withLockspace(lockspace) { (ls) throws(DLMErrno) in
            if ls.queuesCalls { return try ls.deferDeadlockCancel(lockID: lockID) }
            if let refusal = ls.refusal { throw refusal }
            return try ls.deadlockCancel(lockID: lockID, now: now, &directives)
        }
    }

    /// A client handle closed: its locks are released, nothing more is delivered to it.
    public mutating func closeHandle(lockspace: UInt32, handle: UInt64, now: MonotonicInstant, directives: inout [NodeDirective]) {
        _ = try? withLockspace(lockspace) { (ls) throws(DLMErrno) in
            if ls.refusal != nil { ls.deferClose(handle) } else { ls.closeHandle(handle, now: now, &directives) }
        }
    }

    /// `dlm_ls_purge` naming this node: releases this node's orphans of `pid` (0 = all), those of
    /// locks mastered here and the holder-side orphans of remotely mastered ones.
    /// - Returns: how many orphans were released.
    @discardableResult
    public mutating func purgeOrphans(lockspace: UInt32, pid: UInt32, now: MonotonicInstant, directives: inout [NodeDirective]) -> Int {
        (try? withLockspace(lockspace) { (ls) throws(DLMErrno) in ls.purgeOrphans(pid: pid, now: now, &directives) }) ?? 0
    }

    /// `dlm_ls_purge` naming another member: a PURGE message asks `owner` to release its orphans of
    /// `pid` (0 = all) in this lockspace (orphans stay on the node their process ran on).
    /// - Throws: `EINVAL` when `owner` is not another member, `ENOENT` when the lockspace is not joined.
    public mutating func sendPurge(lockspace: UInt32, owner: NodeID, pid: UInt32, directives: inout [NodeDirective]) throws(DLMErrno) {
        guard owner != nodeID, membership.members.contains(owner) else { throw .EINVAL }
        guard lockspaces[lockspace] != nil else { throw .ENOENT }
        var message = LockMessage(name: NodeLockspace.emptyName)
        message.node = owner
        message.pid = pid
        directives.append(.send(to: owner, lockspace: lockspace, message: .purge(message)))
    }

    /// A decoded lock message from peer `sender`. Messages for unknown lockspaces or locks are ignored.
    public mutating func onMessage(
        _ message: WireMessage, lockspace: UInt32, from sender: NodeID, now: MonotonicInstant,
        directives: inout [NodeDirective]
    ) {
        onMessage(message, lockspace: lockspace, from: sender, generation: membership.generation, now: now, directives: &directives)
    }

    /// Time passed: LKF_TIMEOUT expiries, inactive resources freed, cached masters expired. Appends
    /// the next `.scheduleTimer` when something is pending.
    public mutating func onTick(now: MonotonicInstant, directives: inout [NodeDirective]) {
        var next: MonotonicInstant?
        for id in lockspaces.keys.sorted() {
            _ = try? withLockspace(id) { (ls) throws(DLMErrno) in
                guard ls.phase == .running else { return }
                ls.onTick(now: now, &directives)
                if let deadline = ls.nextDeadline { next = min(next ?? deadline, deadline) }
            }
        }
        if let next { directives.append(.scheduleTimer(at: next)) }
    }

    /// The earliest instant `onTick` has work, if any.
    public var nextDeadline: MonotonicInstant? { lockspaces.values.filter { $0.phase == .running }.compactMap(\.nextDeadline).min() }

    /// Checks every lockspace's tables (crashes with a dump on a violation).
    public func checkInvariants() {
        for lockspace in lockspaces.values { lockspace.checkInvariants() }
    }
}
