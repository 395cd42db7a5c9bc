// dlmd — DLMServer: delivery-side suppression of blocking callbacks (spec §2.6).

import DLMCore

/// Per-lock memory of callbacks already queued to its owner, to drop redundant basts:
///
/// * a bast whose mode is compatible with the mode of the lock's most recent completion is dropped
///   (a lock last completed at NL never sees one);
/// * a bast is dropped when the callback queued just before it for the same lock was a bast with the
///   same mode, or with a higher mode above PR.
///
/// Not `Sendable`-relevant state beyond values; owned by `LockspaceService`.
struct CallbackFilter {
    private struct LockMemory {
        var lastCompletionMode: LockMode?
        var lastBlockingMode: LockMode?
    }

    private struct Key: Hashable {
        var handle: UInt64
        var lockID: LockID
    }

    private var memory: [Key: LockMemory] = [:]

    /// Records a completion; forgets the lock when the completion leaves no granted mode.
    mutating func noteCompletion(handle: UInt64, lockID: LockID, grantedMode: LockMode?) {
        let key = Key(handle: handle, lockID: lockID)
        guard let grantedMode else {
            memory[key] = nil
            return
        }
        memory[key] = LockMemory(lastCompletionMode: grantedMode, lastBlockingMode: nil)
    }

    /// Whether a bast for `mode` should be delivered; records it when so.
    mutating func admitBlocking(handle: UInt64, lockID: LockID, mode: LockMode) -> Bool {
        let key = Key(handle: handle, lockID: lockID)
        var entry = memory[key] ?? LockMemory()
        if let completed = entry.lastCompletionMode, completed.isCompatible(with: mode) { return false }
        if let previous = entry.lastBlockingMode, previous == mode || (previous > mode && previous > .pr) {
            return false
        }
        entry.lastBlockingMode = mode
        memory[key] = entry
        return true
    }

    /// Forgets every lock of a closed handle.
    mutating func forget(handle: UInt64) {
        memory = memory.filter { $0.key.handle != handle }
    }

    /// Forgets one lock (its id may be reused).
    mutating func forget(handle: UInt64, lockID: LockID) {
        memory[Key(handle: handle, lockID: lockID)] = nil
    }
}
