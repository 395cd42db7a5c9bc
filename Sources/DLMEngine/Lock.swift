// dlmd — DLMEngine: one lock (the kernel's lkb) as the master sees it.

import DLMCore

/// The master's record of one lock. Internal: callers see `LockSnapshot`.
///
/// State by queue (checked by `LockEngine.checkInvariants()`):
///
///     waiting:    granted == nil, requested != nil
///     converting: granted != nil, requested != nil
///     granted:    granted != nil, requested == nil
struct Lock: Sendable {
    let id: LockID
    var owner: LockOwner
    /// Slot of the resource in the engine's `ResourceTable` (the name lives there, so copying a
    /// lock retains as little as possible).
    let slot: Int32
    var queue: LockQueue
    /// Granted mode (`gr`); nil = IV (a new request not yet granted).
    var granted: LockMode?
    /// Requested mode (`rq`); nil when nothing is pending.
    var requested: LockMode?
    /// Flags of the last `lock` call, with unlock/cancel flags ORed in (spec §6 "unlock inherits VALBLK").
    var flags: LockFlags
    /// `sb_flags` being built for the next completion; reset by every `lock` call.
    var status: StatusFlags = []
    /// Highest mode this lock was basted for since its last grant (`highbast`); NL after a grant.
    var highestBlockingMode: LockMode = .nl
    var wantsBlockingCallbacks: Bool
    /// The lock's own LVB buffer (`lkb_lvbptr`); nil until a call carries VALBLK.
    var valueBlock: ValueBlock?
    var valueBlockSequence: UInt32 = 0
    /// Mode reported by the last successful completion (nil before the first one); selects the
    /// §1.4 cell that decides whether a completion carries the LVB (spec §6, libdlm paragraph).
    var lastCompletedMode: LockMode?
    /// A CANCEL was used since the last `lock` call (a second one is EINVAL; spec §5.2).
    var cancelUsed = false
    /// When the current wait began.
    var waitingSince: MonotonicInstant?
    /// LKF_TIMEOUT deadline of the current wait.
    var deadline: MonotonicInstant?

    init(id: LockID, slot: Int32, request: LockRequest, now: MonotonicInstant) {
        self.id = id
        self.slot = slot
        self.owner = request.owner
        self.queue = .waiting
        self.granted = nil
        self.requested = request.mode
        self.flags = request.flags
        self.wantsBlockingCallbacks = request.wantsBlockingCallbacks
        self.valueBlock = request.flags.contains(.valueBlock) ? request.valueBlock : nil
        self.waitingSince = now
    }

    /// Whether the lock is an orphan (PERSISTENT lock whose handle went away).
    var isOrphan: Bool { owner.handle == 0 }

    /// The lock as a conversion: it holds a granted mode.
    var isConversion: Bool { granted != nil }

    func snapshot(resource: ResourceName) -> LockSnapshot {
        LockSnapshot(
            lockID: id, owner: owner, resource: resource, queue: queue, grantedMode: granted,
            requestedMode: requested, flags: flags, isOrphan: isOrphan,
            waitingSince: queue == .granted ? nil : waitingSince)
    }
}
