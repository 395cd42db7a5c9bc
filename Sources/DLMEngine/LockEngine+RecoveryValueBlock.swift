// dlmd — DLMEngine: LVB state read and restored by lock recovery (spec §10.5): a lock's LVB
// sequence number for its holder's copy, and a rebuilt resource's LVB, sequence and invalid mark.

import DLMCore

extension LockEngine {
    /// The LVB sequence number lock `id` last read or wrote (`lkb_lvbseq`), nil for an unknown id.
    public func valueBlockSequence(of id: LockID) -> UInt32? { lock(id)?.valueBlockSequence }

    /// Sets the LVB of resource `name` (which must have locks) as recovery decided it: `block`
    /// (nil = none), its sequence number and whether it is marked invalid (VALNOTVALID).
    public mutating func restoreValueBlock(_ name: ResourceName, block: ValueBlock?, sequence: UInt32, invalid: Bool) {
        guard let slot = resources.index[name] else { return }
        let fittedBlock = block.map(fitted)
        resources[slot]?.valueBlock = fittedBlock
        resources[slot]?.valueBlockSequence = sequence
        resources[slot]?.valueBlockInvalid = invalid
    }
}
