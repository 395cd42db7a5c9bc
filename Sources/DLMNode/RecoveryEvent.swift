// dlmd — DLMNode: the recovery callbacks of spec §10.8 as node outputs, for the client library.

import DLMCore

/// A lockspace member and its slot (1-based, stable for the member's lifetime).
public struct MemberSlot: Sendable, Hashable {
    /// The member's node id.
    public var node: NodeID
    /// Its slot, ≥ 1.
    public var slot: UInt16

    public init(node: NodeID, slot: UInt16) {
        self.node = node
        self.slot = slot
    }
}

/// One recovery notification, in order, per lockspace.
public enum RecoveryEvent: Sendable, Hashable {
    /// recover_prep: the lockspace stopped.
    case prep(lockspace: UInt32)
    /// recover_slot: `node`, which had `slot` (0 if it never had one), failed (not a clean leave).
    case slot(lockspace: UInt32, node: NodeID, slot: UInt16)
    /// recover_done: recovery finished for view `generation`; every member with its slot (by node
    /// id) and this node's slot.
    case done(lockspace: UInt32, members: [MemberSlot], ourSlot: UInt16, generation: UInt64)
}
