// dlmd — DLMNode: the recovery callbacks of spec §10.8 as node outputs, for the client library.

import DLMCore

/// One recovery notification, in order, per lockspace.
public enum RecoveryEvent: Sendable, Hashable {
    /// recover_prep: the lockspace stopped.
    case prep(lockspace: UInt32)
    /// recover_slot: `node` failed (not a clean leave).
    case slot(lockspace: UInt32, node: NodeID)
    /// recover_done: recovery finished for view `generation` with `members`.
    case done(lockspace: UInt32, members: [NodeID], generation: UInt64)
}
