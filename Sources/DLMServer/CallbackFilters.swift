// dlmd — DLMServer: one DLMEngine.CallbackFilter per client-owned lock (spec §2.6 delivery-side suppression).

import DLMCore
import DLMEngine

/// The per-lock `CallbackFilter`s of every connected handle, grouped by handle so closing a handle
/// forgets its locks in one step. A lock's entry goes when a completion leaves it without a granted
/// mode, or when its handle closes.
struct CallbackFilters {
    private var filters: [UInt64: [LockID: CallbackFilter]] = [:]

    /// Records a completion; forgets the lock when the completion leaves no granted mode.
    mutating func noteCompletion(handle: UInt64, lockID: LockID, grantedMode: LockMode?) {
        guard grantedMode != nil else {
            filters[handle]?[lockID] = nil
            return
        }
        filters[handle, default: [:]][lockID, default: CallbackFilter()].completionQueued(grantedMode: grantedMode)
    }

    /// Whether a bast for `mode` should be delivered; records it when so.
    mutating func admitBlocking(handle: UInt64, lockID: LockID, mode: LockMode) -> Bool {
        filters[handle, default: [:]][lockID, default: CallbackFilter()].shouldQueueBlocking(mode: mode)
    }

    /// Forgets every lock of a closed handle.
    mutating func forget(handle: UInt64) {
        filters[handle] = nil
    }
}
