// dlmd — DLM client: lockspace recovery notifications (the kernel's recover_prep / recover_slot /
// recover_done lockspace callbacks) as values and as a callback set.

import DLMClientProtocol
import DLMCore

/// One recovery notification of an opened lockspace (docs/recovery.md, "Events"). For each recovery
/// sequence, in this order: `.prep` when the lockspace stops for a membership change (lock calls made
/// meanwhile are queued, not lost), one `.slot` per member that failed (not for a clean leave), then
/// `.done` when locking resumes in the new view.
public enum RecoveryEvent: Sendable, Hashable {
    /// recover_prep: the lockspace stopped for a membership change.
    case prep
    /// recover_slot: member `node`, which had `slot` (0 if it never had one), failed and left the view.
    case slot(node: NodeID, slot: UInt16)
    /// recover_done: recovery for view `generation` finished and locking resumed. `members` lists
    /// every member with its slot, by node id; `ourSlot` is this node's slot.
    case done(generation: UInt64, ourSlot: UInt16, members: [RecoveryMember])

    init(_ notice: RecoveryNotice) {
        switch notice {
        case .prep:
            self = .prep
        case .slot(let node, let slot):
            self = .slot(node: node, slot: slot)
        case .done(let generation, let ourSlot, let members):
            self = .done(
                generation: generation, ourSlot: ourSlot, members: members.map { RecoveryMember(node: $0.node, slot: $0.slot) })
        }
    }
}

/// A lockspace member and its slot: 1-based, stable for the member's lifetime, reused after it leaves.
public struct RecoveryMember: Sendable, Hashable {
    /// The member's node id.
    public var node: NodeID
    /// Its slot (0: none).
    public var slot: UInt16

    public init(node: NodeID, slot: UInt16) {
        self.node = node
        self.slot = slot
    }
}

/// Optional recovery callbacks of a lockspace handle, the counterpart of the kernel's
/// `dlm_lockspace_ops` (`recover_prep`, `recover_slot`, `recover_done`). Install them with
/// `Lockspace.setRecoveryHandler(_:)`; they run where the handle's other callbacks run.
public struct RecoveryHandler: Sendable {
    /// recover_prep: the lockspace stopped for a membership change.
    public var recoverPrep: (@Sendable () -> Void)?
    /// recover_slot: a member failed; its node id and the slot it had.
    public var recoverSlot: (@Sendable (_ node: NodeID, _ slot: UInt16) -> Void)?
    /// recover_done: locking resumed; every member with its slot, our slot and the view generation.
    public var recoverDone: (@Sendable (_ members: [RecoveryMember], _ ourSlot: UInt16, _ generation: UInt64) -> Void)?

    public init(
        recoverPrep: (@Sendable () -> Void)? = nil, recoverSlot: (@Sendable (_ node: NodeID, _ slot: UInt16) -> Void)? = nil,
        recoverDone: (@Sendable (_ members: [RecoveryMember], _ ourSlot: UInt16, _ generation: UInt64) -> Void)? = nil
    ) {
        self.recoverPrep = recoverPrep
        self.recoverSlot = recoverSlot
        self.recoverDone = recoverDone
    }

    /// Calls the callback for `event`, if set.
    func run(_ event: RecoveryEvent) {
        switch event {
        case .prep: recoverPrep?()
        case .slot(let node, let slot): recoverSlot?(node, slot)
        case .done(let generation, let ourSlot, let members): recoverDone?(members, ourSlot, generation)
        }
    }
}
