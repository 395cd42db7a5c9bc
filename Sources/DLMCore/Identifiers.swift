// dlmd — DLMCore: identifiers of nodes, locks and lock owners.

/// A node id from the configuration (`node id=N`), ≥ 1.
public typealias NodeID = UInt32

/// A lock id (`sb_lkid`): per node and lockspace, ≥ 1, lowest free id first (spec §2.7).
public typealias LockID = UInt32

/// Who owns a lock: a client handle (one open lockspace connection) of a process on a node.
///
/// The engine uses the owner to route callbacks, to release a handle's locks when it closes, and to
/// find orphans by pid. `handle` 0 means "no handle": an orphan.
public struct LockOwner: Sendable, Hashable, CustomStringConvertible {
    /// Node the owning process runs on.
    public var node: NodeID
    /// Process id of the owner (from SO_PEERCRED for local clients).
    public var pid: UInt32
    /// Node-unique id of the client handle; 0 for orphans.
    public var handle: UInt64

    public init(node: NodeID, pid: UInt32, handle: UInt64) {
        self.node = node
        self.pid = pid
        self.handle = handle
    }

    public var description: String { "node \(node) pid \(pid) handle \(handle)" }
}
