// dlmd — DLM client: unlock, cancel, deadlock-cancel and purge on a lockspace handle.

import DLMClientProtocol
import DLMCore

extension Lockspace {
    /// Unlocks or cancels a lock without waiting (`dlm_ls_unlock`).
    ///
    /// The completion (EUNLOCK, or ECANCEL for a cancelled request or conversion) goes to the lock's
    /// completion callback. With `.cancel` and nothing to cancel, no completion comes.
    /// - Parameters:
    ///   - lockID: the lock.
    ///   - flags: `.cancel`, `.valueBlock` (write the LVB back), `.invalidateValueBlock`, `.forceUnlock`.
    ///   - statusBlock: receives the completion instead of the lock's own block, when given; its LVB
    ///     (or the lock's block's) is sent with `.valueBlock`.
    /// - Throws: `DLMErrno`: ENOENT for an unknown or dead lock, EBUSY while another operation is
    ///   outstanding (spec §5.4), EINVAL for other flags.
    public func unlock(lockID: LockID, flags: LockFlags = [], statusBlock: LockStatusBlock? = nil) throws(DLMErrno) {
        _ = try submitUnlock(lockID: lockID, flags: flags, statusBlock: statusBlock, deadlockCancel: false, wait: false)
    }

    /// Unlocks or cancels and waits for the completion (`dlm_ls_unlock_wait`). When no completion will
    /// come (nothing to cancel) it returns at once with the block's status 0 — it never hangs.
    /// - Parameters: as in `unlock`.
    /// - Throws: as `unlock`; ENOTCONN if the daemon went away while waiting.
    public func unlockWait(lockID: LockID, flags: LockFlags = [], statusBlock: LockStatusBlock? = nil) throws(DLMErrno) {
        let (requestID, result, block) = try submitUnlock(
            lockID: lockID, flags: flags, statusBlock: statusBlock, deadlockCancel: false, wait: true)
        guard result.outcome == .completionFollows else {
            block.status = 0
            return
        }
        try connection.awaitCompletion(of: requestID)
    }

    /// Cancels a waiting request or conversion so that it completes with EDEADLK (`dlm_ls_deadlock_cancel`).
    /// - Parameters:
    ///   - lockID: the waiting lock.
    ///   - flags: passed through (libdlm passes them to the kernel).
    /// - Throws: `DLMErrno` as `unlock`.
    public func deadlockCancel(lockID: LockID, flags: LockFlags = []) throws(DLMErrno) {
        _ = try submitUnlock(lockID: lockID, flags: flags, statusBlock: nil, deadlockCancel: true, wait: false)
    }

    /// Drops locks without callbacks (`dlm_ls_purge`, spec §7.6): with `nodeID` 0 (or this node) and
    /// `pid` the caller's, all of this handle's locks; another pid, that pid's orphans; pid 0, every orphan.
    /// - Throws: `DLMErrno` from the daemon.
    public func purge(nodeID: NodeID, pid: UInt32) throws(DLMErrno) {
        try connection.roundTrip(.purge(nodeID: nodeID, pid: pid))
    }

    private func submitUnlock(
        lockID: LockID, flags: LockFlags, statusBlock: LockStatusBlock?, deadlockCancel: Bool, wait: Bool
    ) throws(DLMErrno) -> (requestID: UInt32, result: RequestResult, block: LockStatusBlock) {
        let known = connection.stateLock.withLock { connection.state.locks[lockID]?.statusBlock }
        let block = statusBlock ?? known ?? LockStatusBlock(lockID: lockID)
        let sent = flags.subtracting(.wait)
        let call = UnlockCall(
            lockID: lockID, flags: sent, deadlockCancel: deadlockCancel,
            valueBlock: sent.contains(.valueBlock) ? Lockspace.wireValueBlock(block.valueBlock) : nil)
        if !sent.contains(.cancel), !deadlockCancel { block.markPending() }
        let cancel = deadlockCancel || sent.contains(.cancel)
        let (requestID, result) = try connection.exchange(
            .unlock(call), as: .unlock(lockID: lockID, statusBlock: statusBlock, wait: wait, cancel: cancel))
        return (requestID, result, block)
    }

    // MARK: - Callbacks and lifetime

    /// Reads every callback already waiting on `fileDescriptor` and runs them all in this thread
    /// (`dlm_dispatch`). Never blocks on the socket.
    /// - Throws: ENOTCONN once the daemon closed the connection and no callback is left.
    public func dispatch() throws(DLMErrno) {
        try connection.dispatch()
    }

    /// Asks dlmd for fencing tokens on this handle (dlmd extension): from now on every EX or PW grant
    /// fills `LockStatusBlock.fenceToken` with a number that grows with every EX/PW grant of the
    /// resource, cluster-wide (docs/cluster.md, "Fencing tokens").
    /// - Throws: `DLMErrno` from the daemon (EINVAL from a dlmd without the extension is reported as
    ///   a protocol error: ENOTCONN after the daemon closes the connection).
    public func enableFenceTokens() throws(DLMErrno) {
        try connection.roundTrip(.fenceTokens(enable: true))
    }

    /// Starts a library thread that runs this handle's callbacks (`dlm_ls_pthread_init`).
    /// - Throws: EEXIST when one already runs.
    public func startCallbackThread() throws(DLMErrno) {
        try connection.startCallbackThread()
    }

    /// Stops the callback thread started by `startCallbackThread`, if any.
    public func stopCallbackThread() {
        connection.stopCallbackThread()
    }

    /// Closes the handle (`dlm_close_lockspace`): the daemon force-unlocks its non-persistent locks
    /// (invalidating LVBs), orphans persistent ones and drops undelivered callbacks. Idempotent.
    public func close() {
        connection.close()
    }

    /// Releases the lockspace through this handle (`dlm_release_lockspace`); the handle is closed afterwards.
    /// - Parameter force: remove the lockspace even when other locks or orphans remain.
    /// - Throws: EBUSY when this was the last create reference, locks remain and `force` is false
    ///   (the lockspace stays); the handle is closed either way.
    public func release(force: Bool) throws(DLMErrno) {
        defer { connection.close() }
        try connection.roundTrip(.releaseLockspace(force: force ? 1 : 0))
    }
}
