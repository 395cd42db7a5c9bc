// dlmd — DLMServer: one DLMEngine.CallbackFilter per client-owned lock (spec §2.6 delivery-side suppression).

import DLMCore
import DLMEngine

/// The per-lock `CallbackFilter`s of every connected handle, keyed by (handle, lock id). A lock's
/// entry goes when a completion leaves it without a granted mode, or when its handle closes.
struct CallbackFilters {
    private struct Key: Hashable {
        var handle: UInt64
        var lockID: LockID
    }

    private var filters: [Key: CallbackFilter] = [:]

    /// Records a completion; forgets the lock when the completion leaves no granted mode.
    mutating func noteCompletion(handle: UInt64, lockID: LockID, grantedMode: LockMode?) {
        let key = Key(handle: handle, lockID: lockID)
        guard grantedMode != nil else {
            filters[key] = nil
            return
        }
        filters[key, default: CallbackFilter()].completionQueued(grantedMode: grantedMode)
    }

    /// Whether a bast for `mode` should be delivered; records it when so.
    mutating func admitBlocking(handle: UInt64, lockID: LockID, mode: LockMode) -> Bool {
        filters[Key(handle: handle, lockID: lockID), default: CallbackFilter()].shouldQueueBlocking(mode: mode)
    }

    /// Forgets every lock of a closed handle.
    mutating func forget(handle: UInt64) {
        filters = filters.filter { $0.key.handle != handle }
    }
}
