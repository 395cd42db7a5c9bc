// dlmd — DLMEngine: unlock, cancel and deadlock-cancel on the master (spec §5.1, §5.2, local-master rows).

import DLMCore

extension LockEngine {
    /// Unlocks a lock in any queue, or cancels its pending request/conversion (`flags` has `.cancel`).
    ///
    /// - Parameters:
    ///   - lockID: the lock.
    ///   - flags: a subset of CANCEL, VALBLK, IVVALBLK, FORCEUNLOCK; ORed into the lock's flags.
    ///   - valueBlock: the caller's LVB, written to the resource when unlocking from PW/EX with VALBLK.
    ///   - now: the current time.
    ///   - effects: the EUNLOCK/ECANCEL completion and any grants/basts that follow are appended.
    /// - Returns: `.noCompletion` for a cancel of a lock with nothing pending, else `.completionFollows`.
    /// - Throws: `ENOENT` (no such lock), `EINVAL` (bad flags, CANCEL|FORCEUNLOCK, second CANCEL).
    public mutating func unlock(
        lockID: LockID, flags: LockFlags, valueBlock: ValueBlock?, now: MonotonicInstant,
        effects: inout [EngineEffect]
    ) throws(DLMErrno) -> OperationOutcome {
        _ = try validateUnlock(lockID: lockID, flags: flags)
        if flags.contains(.cancel) {
            return cancel(lockID, status: .cancelled, effects: &effects)
        }
        let block = valueBlock.map { fitted($0) }
        update(lockID) { lock in
            lock.flags.formUnion(flags)
            if let block { lock.valueBlock = block }
        }
        guard let lock = lock(lockID) else { return .completionFollows }
        applyUnlockValueBlock(lockID)
        resources[lock.slot]?.remove(lockID, from: lock.queue)
        completeWithoutGrant(lockID, status: .unlocked, grantedMode: nil, effects: &effects)
        discardLock(lockID)
        grantPending(lock.slot, effects: &effects)
        return .completionFollows
    }

    /// `dlm_ls_deadlock_cancel`: a cancel whose completion status is EDEADLK.
    /// - Returns: `.noCompletion` when nothing was pending.
    /// - Throws: `ENOENT` (no such lock), `EINVAL` (a cancel was already used since the last lock call).
    public mutating func deadlockCancel(
        lockID: LockID, now: MonotonicInstant, effects: inout [EngineEffect]
    ) throws(DLMErrno) -> OperationOutcome {
        _ = try validateUnlock(lockID: lockID, flags: .cancel)
        return cancel(lockID, status: .deadlock, effects: &effects)
    }

    /// Cancels the pending request or conversion of `id`, completing it with `status`.
    private mutating func cancel(_ id: LockID, status: CompletionStatus, effects: inout [EngineEffect]) -> OperationOutcome {
        update(id) { $0.cancelUsed = true }
        guard withdraw(id, status: status, effects: &effects) else { return .noCompletion }
        return .completionFollows
    }

    /// Ends the wait of `id`: a waiting request is freed, a conversion returns to its granted mode;
    /// completes with `status` and re-evaluates the resource. Returns false when nothing was pending.
    mutating func withdraw(_ id: LockID, status: CompletionStatus, effects: inout [EngineEffect]) -> Bool {
        guard let lock = lock(id) else { return false }
        switch lock.queue {
        case .granted:
            return false
        case .waiting:
            resources[lock.slot]?.remove(id, from: .waiting)
            completeWithoutGrant(id, status: status, grantedMode: nil, effects: &effects)
            discardLock(id)
        case .converting:
            revertConversion(id)
            completeWithoutGrant(id, status: status, grantedMode: lock.granted, effects: &effects)
        }
        grantPending(lock.slot, effects: &effects)
        return true
    }
}
