// dlmd — DLMNode: the static member list and per-lockspace configuration the node runs with.

import DLMCore
import DLMDirectory

/// The members of the cluster as this node sees them. Membership changes and recovery are a later
/// task; `generation` is carried so that messages can later be tied to a view.
public struct ClusterMembership: Sendable, Equatable {
    /// Member node ids.
    public var members: Set<NodeID>
    /// View generation (fixed while membership is static).
    public var generation: UInt64

    public init(members: Set<NodeID>, generation: UInt64 = 1) {
        self.members = members
        self.generation = generation
    }
}

/// How one lockspace is configured (identical on every node).
public struct LockspaceConfiguration: Sendable, Equatable {
    public var name: LockspaceName
    /// NODIR: masters come from the hash, no lookups.
    public var noDirectory: Bool
    /// `master` lines: node → weight (empty = every member weighs 1).
    public var masterWeights: [NodeID: UInt32]
    /// LVB length.
    public var valueBlockLength: Int
    /// How long an inactive resource is kept before it is freed.
    public var tossDuration: Duration
    /// How long a non-master keeps an inactive cached master (nil: `tossDuration`). The simulator
    /// sets it longer to provoke requests to masters that already freed the resource (EBADR).
    public var cacheTossDuration: Duration?
    /// Most locks the lockspace's engine holds on this node (new requests beyond it fail with ENOMEM).
    public var lockCountMax: Int = Limits.locksPerLockspaceMax

    public init(
        name: LockspaceName, noDirectory: Bool = false, masterWeights: [NodeID: UInt32] = [:],
        valueBlockLength: Int = Limits.valueBlockBytesDefault, tossDuration: Duration = Limits.resourceTossDuration
    ) {
        self.name = name
        self.noDirectory = noDirectory
        self.masterWeights = masterWeights
        self.valueBlockLength = valueBlockLength
        self.tossDuration = tossDuration
    }

    /// The lockspace's global id.
    public var globalID: UInt32 { LockspaceID.globalID(of: name) }
}
