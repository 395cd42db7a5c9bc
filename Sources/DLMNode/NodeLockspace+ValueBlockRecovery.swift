// dlmd — DLMNode: LVB recovery (spec §10.5, edge cases 41–42). A surviving old master sends each
// resource's LVB state to the resource's new master as an RCOM LOCK "record" (no lock, dlmd flag
// 0x10000; 0x20000 = invalid); holders send their LVB copies with their locks; the new master
// decides each rebuilt resource's LVB with `ValueBlockRecovery` when locking resumes.

import DLMCore
import DLMEngine
import DLMRecovery
import DLMWire

/// RCOM LOCK `rl_flags` bit (dlmd): the message carries a resource's LVB state, not a lock.
let valueBlockRecordFlag: UInt32 = 0x1_0000
/// RCOM LOCK `rl_flags` bit (dlmd), with `valueBlockRecordFlag`: the resource LVB is invalid.
let valueBlockRecordInvalidFlag: UInt32 = 0x2_0000

extension NodeLockspace {
    /// Before the old engine is dropped: the LVB state of every resource mastered here that has an
    /// LVB or an invalid mark, invalid also when a node outside `members` held it PW/EX with VALBLK.
    func masterValueBlockRecords(members: Set<NodeID>) -> [ResourceName: ValueBlockState] {
        var records: [ResourceName: ValueBlockState] = [:]
        for name in engine.resourceNames() {
            guard let resource = engine.resourceSnapshot(name) else { continue }
            let departedWriter = (resource.granted + resource.converting).contains {
                !members.contains($0.owner.node) && $0.flags.contains(.valueBlock) && ($0.grantedMode ?? .nl) >= .pw
            }
            guard resource.valueBlock != nil || resource.valueBlockInvalid || departedWriter else { continue }
            records[name] = ValueBlockState(
                block: resource.valueBlock, sequence: resource.valueBlockSequence,
                invalid: resource.valueBlockInvalid || departedWriter)
        }
        return records
    }

    /// Keeps the record when this node masters `name` in the new view, else sends it there.
    mutating func sendValueBlockRecord(_ name: ResourceName, _ state: ValueBlockState, _ directives: inout [NodeDirective]) {
        let master = map.directoryNode(for: name)
        if master == node {
            valueBlockRecoveries[name, default: ValueBlockRecovery()].recordMaster(state)
            return
        }
        var record = RecoveryLock(name: name)
        record.flags = valueBlockRecordFlag | (state.invalid ? valueBlockRecordInvalidFlag : 0)
        record.valueBlock = state.block
        record.lvbSequence = state.sequence
        send(.lockTransfer(RecoveryHeader(sequence: generation), record), to: master, &directives)
    }

    /// A record from the resource's surviving old master (no reply: per-link FIFO puts it before
    /// the sender's DONE).
    mutating func onValueBlockRecord(_ record: RecoveryLock) {
        let state = ValueBlockState(
            block: record.valueBlock, sequence: record.lvbSequence, invalid: record.flags & valueBlockRecordInvalidFlag != 0)
        valueBlockRecoveries[record.name, default: ValueBlockRecovery()].recordMaster(state)
    }

    /// Locking resumes: every rebuilt resource gets the LVB recovery decided, before any grant.
    mutating func restoreValueBlocks() {
        for (name, recovery) in valueBlockRecoveries {
            guard let state = recovery.decision else { continue }
            engine.restoreValueBlock(name, block: state.block, sequence: state.sequence, invalid: state.invalid)
        }
        valueBlockRecoveries = [:]
    }
}
