// dlmd — DLMEngine: argument checks of lock and unlock calls (spec §3.1), before anything is queued.

import DLMCore

extension LockEngine {
    /// The `dlm_lock` checks that need no lock state (spec §3.1, top to bottom).
    /// Mode and name length are already guaranteed by `LockMode` and `ResourceName`.
    static func validateLockFlags(_ request: LockRequest) throws(DLMErrno) {
        let flags = request.flags
        if flags.contains(.cancel) { throw .EINVAL }
        if !flags.contains(.convert) && !flags.isDisjoint(with: [.queueConvert, .convertDeadlock]) { throw .EINVAL }
        if flags.contains(.convertDeadlock) && flags.contains(.noQueue) { throw .EINVAL }
        if flags.contains(.expedite) {
            if !flags.isDisjoint(with: [.convert, .queueConvert, .noQueue]) || request.mode != .nl { throw .EINVAL }
        }
        if flags.contains(.valueBlock) && request.valueBlock == nil { throw .EINVAL }
        // Lock id 0 with CONVERT is EINVAL, as in the in-kernel API and edge case 39 (libdlm would
        // report ENOENT from its own lookup; the C library may map it).
        if flags.contains(.convert) && request.lockID == 0 { throw .EINVAL }
    }

    /// The `dlm_lock` checks of a conversion against the lock's state; returns the lock.
    func validateConversion(_ request: LockRequest) throws(DLMErrno) -> Lock {
        guard let lock = lock(request.lockID) else { throw .ENOENT }
        guard lock.queue == .granted, let granted = lock.granted else { throw .EBUSY }
        if request.flags.contains(.queueConvert) && !LockMode.isQueueConvertValid(from: granted, to: request.mode) {
            throw .EINVAL
        }
        return lock
    }

    /// The `dlm_unlock` checks (spec §3.1): the lock is looked up first, as the kernel does.
    func validateUnlock(lockID: LockID, flags: LockFlags) throws(DLMErrno) -> Lock {
        guard let lock = lock(lockID) else { throw .ENOENT }
        if !flags.isSubset(of: LockFlags.unlockAllowed) { throw .EINVAL }
        if flags.contains(.cancel) && flags.contains(.forceUnlock) { throw .EINVAL }
        if flags.contains(.cancel) && lock.cancelUsed { throw .EINVAL }
        return lock
    }

    /// The LKF_TIMEOUT deadline for a wait starting `now`, or nil when the request has none.
    static func deadline(for request: LockRequest, now: MonotonicInstant) -> MonotonicInstant? {
        guard request.flags.contains(.timeout), request.timeoutCentiseconds > 0 else { return nil }
        let nanoseconds = UInt64(request.timeoutCentiseconds) * UInt64(Limits.timeoutUnitNanoseconds)
        return MonotonicInstant(nanoseconds: now.nanoseconds &+ nanoseconds)
    }
}
