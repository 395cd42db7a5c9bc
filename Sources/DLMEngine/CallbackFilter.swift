// dlmd — DLMEngine: delivery-side bast suppression, one per lock on the holder's node (spec §2.6 last part).

import DLMCore

/// Decides, per lock, which blocking callbacks are worth queueing for delivery (spec §2.6,
/// "Delivery-side suppression"). The engine emits every bast its rules call for; the server feeds
/// each lock's callbacks through one `CallbackFilter` in the order it queues them:
///
///     filter.completionQueued(grantedMode:)   for every completion
///     filter.shouldQueueBlocking(mode:)        for every bast; false = drop it
///
/// A bast is dropped when its mode is compatible with the mode the lock's most recent completion
/// reported, or when the callback queued just before it was a bast with the same mode, or with a
/// higher mode above PR.
public struct CallbackFilter: Sendable, Equatable {
    /// Mode reported by the most recent completion; nil before any, or when the lock is gone.
    public private(set) var lastCompletionMode: LockMode?
    /// Mode of the previous callback when it was a bast; nil when it was a completion (or none).
    public private(set) var previousBlockingMode: LockMode?

    /// A filter for a lock that has had no callbacks yet.
    public init() {}

    /// Records a completion queued for the lock.
    /// - Parameter grantedMode: the mode the completion reports (`Completion.grantedMode`).
    public mutating func completionQueued(grantedMode: LockMode?) {
        lastCompletionMode = grantedMode
        previousBlockingMode = nil
    }

    /// Whether a bast for `mode` should be queued; records it when so.
    /// - Parameter mode: the bast's mode (`BlockingNotice.mode`).
    /// - Returns: false when the bast is to be dropped.
    public mutating func shouldQueueBlocking(mode: LockMode) -> Bool {
        if let held = lastCompletionMode, held.isCompatible(with: mode) { return false }
        if let previous = previousBlockingMode, previous == mode || (previous > mode && previous > .pr) {
            return false
        }
        previousBlockingMode = mode
        return true
    }
}
