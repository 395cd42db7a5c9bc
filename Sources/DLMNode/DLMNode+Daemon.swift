// dlmd — DLMNode: additive calls and read-only views the daemon's lockspace service needs
// (lock ownership checks, per-handle counts, purge of one handle, lockspace leave, lockdebug views).

import DLMCore
import DLMEngine
import DLMRecovery

/// One client lock of this node as its holder side sees it (for `lockdebug`).
public struct HolderLockView: Sendable, Equatable {
    /// This node's lock id.
    public var lockID: LockID
    public var owner: LockOwner
    public var name: ResourceName
    /// The master node; nil while the master is being looked up.
    public var master: NodeID?
    /// The master copy's id on a remote master (0 when local or not known yet).
    public var remoteID: LockID
    public var granted: LockMode?
    public var requested: LockMode?
}

/// Counts of one lockspace on one node, for `ls`, `status` and metrics.
public struct NodeLockspaceCounts: Sendable, Equatable {
    /// Client locks of this node, any master.
    public var clientLocks = 0
    /// Locks in this node's engine (local locks it masters and master copies of remote holders).
    public var engineLocks = 0
    /// Resources in this node's engine.
    public var engineResources = 0
    /// Orphans in this node's engine.
    public var orphans = 0
    public var converting = 0
    public var waiting = 0
}

extension DLMNode {
    /// Where lockspace `id` is in the stop → rebuild → start cycle and the view generation it last
    /// started (or is recovering) in; nil when not joined.
    public func recoveryState(lockspace id: UInt32) -> (phase: RecoveryPhase, generation: UInt64)? {
        lockspaces[id].map { ($0.phase, $0.generation) }
    }

    /// Whether the lockspace with global id `id` is joined.
    public func hasJoined(lockspace id: UInt32) -> Bool { lockspaces[id] != nil }

    /// Forgets a lockspace and everything in it (its locks vanish without callbacks). The daemon
    /// only does this when no peer can depend on it (a one-node membership).
    public mutating func leaveLockspace(_ id: UInt32) {
        lockspaces[id] = nil
    }

    /// The owner of this node's lock `lockID`, nil when there is no such lock.
    public func lockOwner(lockspace: UInt32, lockID: LockID) -> LockOwner? {
        lockspaces[lockspace]?.locks[lockID]?.owner
    }

    /// How many client locks this node has in `lockspace` (any owner, any master). O(1).
    public func clientLockCount(lockspace: UInt32) -> Int { lockspaces[lockspace]?.locks.count ?? 0 }

    /// How many locks of this node `handle` owns in `lockspace`. O(locks of the lockspace): callers
    /// on a hot path check `clientLockCount` first.
    public func lockCount(lockspace: UInt32, ownedBy handle: UInt64) -> Int {
        guard let ls = lockspaces[lockspace] else { return 0 }
        return ls.locks.values.reduce(0) { $0 + ($1.owner.handle == handle ? 1 : 0) }
    }

    /// Drops every lock of `handle` without a callback (`dlm_ls_purge` of the caller's own pid); the
    /// handle stays usable. Local masters drop them at once; remote ones are force-unlocked.
    public mutating func purgeHandle(
        lockspace: UInt32, handle: UInt64, now: MonotonicInstant, directives: inout [NodeDirective]
    ) {
        guard var ls = lockspaces.removeValue(forKey: lockspace) else { return }
        defer { lockspaces[lockspace] = ls }
        var effects: [EngineEffect] = []
        ls.engine.purgeHandle(handle, now: now, effects: &effects)
        ls.closeHandle(handle, now: now, &directives)
        ls.route(effects, reply: nil, now: now, &directives)
    }

    /// Counts for one lockspace (zeros when not joined). O(1) unless `queues` asks for the
    /// converting and waiting totals, which walk every resource.
    public func counts(lockspace: UInt32, queues: Bool = false) -> NodeLockspaceCounts {
        guard let ls = lockspaces[lockspace] else { return NodeLockspaceCounts() }
        var counts = NodeLockspaceCounts(
            clientLocks: ls.locks.count, engineLocks: ls.engine.lockCount, engineResources: ls.engine.resourceCount,
            orphans: ls.engine.orphanCount)
        guard queues else { return counts }
        for name in ls.engine.resourceNames() {
            guard let resource = ls.engine.resourceSnapshot(name) else { continue }
            counts.converting += resource.converting.count
            counts.waiting += resource.waiting.count
        }
        return counts
    }

    /// Names of the resources this node's engine holds (mastered here), sorted.
    public func masteredResourceNames(lockspace: UInt32) -> [ResourceName] {
        lockspaces[lockspace]?.engine.resourceNames() ?? []
    }

    /// For a lock in this node's engine: the owning node and that node's lock id (a local lock maps
    /// to this node's id, a master copy to its holder's id).
    public func holderOf(lockspace: UInt32, engineLockID: LockID) -> (node: NodeID, lockID: LockID)? {
        guard let ls = lockspaces[lockspace] else { return nil }
        if let remote = ls.remoteByEngineID[engineLockID] { return (remote.node, remote.lockID) }
        if let local = ls.localByEngineID[engineLockID] { return (nodeID, local) }
        return nil
    }

    /// This node's client locks whose master is not this node, sorted by resource then id.
    public func remotelyMasteredLocks(lockspace: UInt32) -> [HolderLockView] {
        guard let ls = lockspaces[lockspace] else { return [] }
        var views: [HolderLockView] = []
        for lock in ls.locks.values where !lock.isLocal {
            views.append(HolderLockView(
                lockID: lock.id, owner: lock.owner, name: lock.name, master: lock.master, remoteID: lock.remoteID,
                granted: lock.granted, requested: lock.requested))
        }
        return views.sorted { ($0.name, $0.lockID) < ($1.name, $1.lockID) }
    }
}
