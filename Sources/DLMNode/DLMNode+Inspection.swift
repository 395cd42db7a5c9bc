// dlmd — DLMNode: read-only views for status output, tests and the simulator's checkers.

import DLMCore
import DLMEngine

/// A summary of one lockspace on one node.
public struct LockspaceInspection: Sendable {
    /// Client locks of this node (any master).
    public var lockCount: Int
    /// Locks in this node's engine (local and master copies).
    public var engineLockCount: Int
    /// Names this node masters (directory mode), with whether they have locks right now.
    public var mastered: [ResourceName: Bool]
    /// Records in this node's directory table.
    public var directoryCount: Int
    /// Cached masters of remotely mastered resources.
    public var cachedMasters: Int
}

extension DLMNode {
    /// A summary of `lockspace`, nil when not joined.
    public func inspect(lockspace: UInt32) -> LockspaceInspection? {
        guard let ls = lockspaces[lockspace] else { return nil }
        var mastered: [ResourceName: Bool] = [:]
        for (name, entry) in ls.mastered { mastered[name] = entry.inactiveSince == nil }
        return LockspaceInspection(
            lockCount: ls.locks.count, engineLockCount: ls.engine.lockCount, mastered: mastered,
            directoryCount: ls.directory.count, cachedMasters: ls.masterCache.count)
    }

    /// The master this node's directory records for `name`, when it has a record.
    public func directoryRecord(lockspace: UInt32, name: ResourceName) -> NodeID? {
        lockspaces[lockspace]?.directory.master(of: name)
    }

    /// The master's engine view of `name` on this node, nil when it has no locks here.
    public func resourceSnapshot(lockspace: UInt32, name: ResourceName) -> ResourceSnapshot? {
        lockspaces[lockspace]?.engine.resourceSnapshot(name)
    }

    /// Holder view (granted, requested) of this node's lock `id`.
    public func holderView(lockspace: UInt32, lockID: LockID) -> (granted: LockMode?, requested: LockMode?)? {
        lockspaces[lockspace]?.holderView(lockID)
    }

    /// The directory node (or NODIR static master) of `name`.
    public func directoryNode(lockspace: UInt32, name: ResourceName) -> NodeID? {
        lockspaces[lockspace]?.map.directoryNode(for: name)
    }
}
