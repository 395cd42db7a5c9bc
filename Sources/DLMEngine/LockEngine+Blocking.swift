// dlmd — DLMEngine: blocking callbacks (basts) with highbast bookkeeping and the PR/CW exception (spec §2.6).

import DLMCore

extension LockEngine {
    /// Basts for a request or conversion that was just queued (or failed with NOQUEUEBAST): every
    /// other lock on the grant queue (and, with `includeConverting`, the convert queue) that blocks it.
    mutating func blockingForQueued(_ id: LockID, includeConverting: Bool, effects: inout [EngineEffect]) {
        guard let lock = lock(id), let requested = lock.requested, let resource = resources[lock.slot] else { return }
        var recipients = Array(resource.grantedHeadFirst)
        if includeConverting { recipients += resource.converting }
        for otherID in recipients where otherID != id {
            guard let other = self.lock(otherID), other.wantsBlockingCallbacks, let held = other.granted else { continue }
            guard Self.requestRequiresBlocking(held: held, highest: other.highestBlockingMode, requested: requested)
            else { continue }
            notify(otherID, mode: requested, threshold: requested, effects: &effects)
        }
    }

    /// Step 3 of grant_pending: every granted lock that blocks `high` (or, holding PR, a blocked CW).
    mutating func blockingAfterGrantPass(_ slot: Int32, high: LockMode, cw: Bool, effects: inout [EngineEffect]) {
        guard let resource = resources[slot] else { return }
        for id in resource.grantedHeadFirst {
            guard let lock = lock(id), lock.wantsBlockingCallbacks, let held = lock.granted else { continue }
            let required: Bool
            if held == .pr && cw {
                required = lock.highestBlockingMode < .ex
            } else {
                required = lock.highestBlockingMode < high && !held.isCompatible(with: high)
            }
            guard required else { continue }
            let mode: LockMode = (cw && high == .pr && held == .pr) ? .cw : high
            notify(id, mode: mode, threshold: high, effects: &effects)
        }
    }

    /// The NODLCKWT self-bast of the convert pass: a deadlocked waiting conversion is told to back off.
    mutating func blockSelf(_ id: LockID, effects: inout [EngineEffect]) {
        guard let lock = lock(id), lock.wantsBlockingCallbacks, let requested = lock.requested,
            lock.highestBlockingMode < requested
        else { return }
        notify(id, mode: requested, threshold: requested, effects: &effects)
    }

    /// The §2.6 condition for a just-queued request: PR/CW pairs bast until EX was basted, others
    /// while the mode is higher than any basted before and incompatible.
    static func requestRequiresBlocking(held: LockMode, highest: LockMode, requested: LockMode) -> Bool {
        if LockMode.isMiddleConversion(from: held, to: requested) { return highest < .ex }
        return highest < requested && !held.isCompatible(with: requested)
    }

    private mutating func notify(_ id: LockID, mode: LockMode, threshold: LockMode, effects: inout [EngineEffect]) {
        let owner = update(id) { lock -> LockOwner in
            lock.highestBlockingMode = threshold
            return lock.owner
        }
        emitBlocking(BlockingNotice(lockID: id, owner: owner, mode: mode), into: &effects)
    }
}
