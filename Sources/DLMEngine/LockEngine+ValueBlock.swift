// dlmd — DLMEngine: lock value blocks (spec §1.4, §6).
//
// VALNOTVALID follows the kernel variant (set_lvb_lock): the flag is reported after an R step that
// copied (VALBLK given and the resource has an LVB) and after a "-" step whether or not VALBLK was
// given; never after a W step (which clears the invalid mark, or with IVVALBLK sets it silently) and
// never when an R step had nothing to copy.
//
// What a completion carries (Completion.valueBlock) follows libdlm over the kernel's device: on a
// successful completion the LVB goes back to the caller when the lock has VALBLK and the §1.4 cell
// for (mode of the lock's previous completion → new mode; a new request counts as IV) is R or "-"
// — not W. On "-" cells that is the lock's own buffer, i.e. what the caller sent. When an R step
// finds no resource LVB the caller gets zeros. Failed, cancelled and unlock completions carry nothing.

import DLMCore

extension LockEngine {
    /// The LVB step of a grant from `granted` (nil = new request) to `requested`.
    mutating func applyGrantValueBlock(_ id: LockID, from granted: LockMode?, to requested: LockMode) {
        guard let lock = lock(id) else { return }
        let operation = LVBOperation.forGrant(from: granted, to: requested)
        // Hot path: a read without VALBLK does nothing at all.
        if operation == .read && !lock.flags.contains(.valueBlock) { return }
        guard var resource = resources[lock.slot] else { return }
        var updated = lock
        let hasValueBlock = lock.flags.contains(.valueBlock) && lock.valueBlock != nil
        switch operation {
        case .read:
            guard hasValueBlock else { break }
            guard let current = resource.valueBlock else {
                updated.valueBlock = ValueBlock(zeroed: valueBlockLength)
                break
            }
            updated.valueBlock = current
            updated.valueBlockSequence = resource.valueBlockSequence
            if resource.valueBlockInvalid { updated.status.insert(.valueNotValid) }
        case .write:
            if lock.flags.contains(.invalidateValueBlock) {
                resource.valueBlockInvalid = true
            } else if hasValueBlock, let written = lock.valueBlock {
                Self.write(written, into: &resource, lock: &updated)
            }
        case .none:
            if resource.valueBlockInvalid { updated.status.insert(.valueNotValid) }
        }
        update(id) { $0 = updated }
        resources[lock.slot] = resource
    }

    /// The LVB step of an unlock: from PW or EX, invalidate (IVVALBLK) or write (VALBLK).
    mutating func applyUnlockValueBlock(_ id: LockID) {
        guard let lock = lock(id), let held = lock.granted, held >= .pw, var resource = resources[lock.slot]
        else { return }
        var updated = lock
        if lock.flags.contains(.invalidateValueBlock) {
            resource.valueBlockInvalid = true
        } else if lock.flags.contains(.valueBlock), let written = lock.valueBlock {
            Self.write(written, into: &resource, lock: &updated)
        } else {
            return
        }
        update(id) { $0 = updated }
        resources[lock.slot] = resource
    }

    private static func write(_ block: ValueBlock, into resource: inout Resource, lock: inout Lock) {
        resource.valueBlock = block
        resource.valueBlockSequence &+= 1
        resource.valueBlockInvalid = false
        lock.valueBlockSequence = resource.valueBlockSequence
    }

    /// The LVB a successful completion hands back (see the file comment), or nil.
    static func completionValueBlock(_ lock: Lock, newMode: LockMode) -> ValueBlock? {
        guard lock.flags.contains(.valueBlock), let block = lock.valueBlock else { return nil }
        if LVBOperation.forGrant(from: lock.lastCompletedMode, to: newMode) == .write { return nil }
        return block
    }

    /// A caller's LVB fitted to the lockspace's length.
    func fitted(_ block: ValueBlock) -> ValueBlock {
        block.count == valueBlockLength ? block : ValueBlock(bytes: block.bytes, length: valueBlockLength)
    }
}
