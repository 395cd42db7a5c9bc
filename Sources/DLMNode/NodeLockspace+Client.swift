// dlmd — DLMNode: calls of local clients: lock/convert, unlock/cancel/force-unlock, deadlock-cancel,
// handle close. Locally mastered locks go straight to the engine; remote ones are checked here with
// the errors the engine would give (spec §3.1, §5.4) and sent to the master.

import DLMCore
import DLMEngine
import DLMWire

extension NodeLockspace {
    /// A new lock or a conversion. `reservedID` is the id a call queued during recovery was given.
    mutating func lock(
        _ request: LockRequest, reservedID: LockID? = nil, now: MonotonicInstant, _ directives: inout [NodeDirective]
    ) throws(DLMErrno) -> (lockID: LockID, outcome: OperationOutcome) {
        var request = request
        request.owner.node = node
        guard request.owner.handle != 0, request.owner.handle < Self.localHandleLimit else { throw .EINVAL }
        try LockEngine.checkLockArguments(request)
        if request.flags.contains(.convert) {
            try convert(request, now: now, &directives)
            return (request.lockID, .completionFollows)
        }
        if request.flags.contains(.orphan) {
            if let adopted = try adoptHolderOrphan(request) { return (adopted, .noCompletion) }
            // This node's orphans of a name mastered elsewhere are all holder-side ones.
            if masterView(request.name) != .local { throw .ENOENT }
        }
        // The lockspace's lock limit counts this node's locks (local and remotely mastered) and the
        // master copies it holds for peers; checked here so the caller gets ENOMEM synchronously.
        if !request.flags.contains(.orphan), locks.count + remoteByEngineID.count >= engine.lockCountMax {
            throw .ENOMEM
        }
        let id = reservedID ?? allocator.allocate()
        var resource = holderResources[request.name] ?? HolderResource()
        resource.lockCount += 1
        holderResources[request.name] = resource
        locks[id] = HolderLock(id: id, request: request, place: .awaitingMaster)
        if request.flags.contains(.orphan) {
            do {
                let outcome = try submitLocal(id, now: now, &directives)
                return (locks[id] == nil ? 0 : id, outcome)
            } catch {
                freeLock(id, now: now)
                throw error
            }
        }
        submitNew(id, now: now, &directives)
        return (id, .completionFollows)
    }

    /// Submits lock `id` to the local engine and maps the engine's id to it.
    @discardableResult
    mutating func submitLocal(_ id: LockID, now: MonotonicInstant, _ directives: inout [NodeDirective]) throws(DLMErrno) -> OperationOutcome {
        guard let lock = locks[id] else { return .noCompletion }
        var effects: [EngineEffect] = []
        let (engineID, outcome) = try engine.lock(lock.request, now: now, effects: &effects)
        if outcome == .noCompletion, let adopted = localByEngineID[engineID], adopted != id {
            invariant(false, "orphan adopted twice", dump: "engine \(engineID)")
        }
        locks[id]?.place = .local(engineID: engineID)
        localByEngineID[engineID] = id
        route(effects, reply: nil, now: now, &directives)
        touchMastered(lock.name, now: now)
        return outcome
    }

    /// Submits a lock whose master turned out to be local after it was queued, then applies a deferred
    /// cancel/unlock. Argument errors cannot happen here (ORPHAN requests are never deferred), but the
    /// engine may be full (ENOMEM): the caller already has its lock id, so the request completes with
    /// EAGAIN ("could not grant") and the lock is gone.
    mutating func submitLocalDeferred(_ id: LockID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        do {
            try submitLocal(id, now: now, &directives)
        } catch {
            invariant(error == .ENOMEM, "deferred local submit failed", dump: "id \(id) errno \(error)")
            deliverCompletion(id, status: .wouldBlock, flags: [], grantedMode: nil, valueBlock: nil, &directives)
            freeLock(id, now: now)
            return
        }
        guard let lock = locks[id], case .local(let engineID) = lock.place else { return }
        locks[id]?.deferredCancel = nil
        locks[id]?.deferredForceUnlock = nil
        var effects: [EngineEffect] = []
        if let flags = lock.deferredForceUnlock {
            _ = try? engine.unlock(lockID: engineID, flags: flags, valueBlock: nil, now: now, effects: &effects)
        } else if let status = lock.deferredCancel, engine.lockSnapshot(engineID)?.queue != .granted {
            if status == .deadlock {
                _ = try? engine.deadlockCancel(lockID: engineID, now: now, effects: &effects)
            } else {
                _ = try? engine.unlock(lockID: engineID, flags: .cancel, valueBlock: nil, now: now, effects: &effects)
            }
        }
        route(effects, reply: nil, now: now, &directives)
        touchMastered(lock.name, now: now)
    }

    private mutating func convert(_ request: LockRequest, now: MonotonicInstant, _ directives: inout [NodeDirective]) throws(DLMErrno) {
        guard var lock = locks[request.lockID] else { throw .ENOENT }
        if case .local(let engineID) = lock.place {
            var engineRequest = request
            engineRequest.lockID = engineID
            var effects: [EngineEffect] = []
            _ = try engine.lock(engineRequest, now: now, effects: &effects)
            route(effects, reply: nil, now: now, &directives)
            touchMastered(lock.name, now: now)
            return
        }
        guard lock.master != nil, lock.inFlight.isEmpty, lock.requested == nil, let held = lock.granted else { throw .EBUSY }
        if request.flags.contains(.queueConvert) && !LockMode.isQueueConvertValid(from: held, to: request.mode) {
            throw .EINVAL
        }
        lock.flags = request.flags
        lock.cancelUsed = false
        lock.request.wantsBlockingCallbacks = request.wantsBlockingCallbacks
        if request.flags.contains(.valueBlock), let block = request.valueBlock { lock.valueBlock = block }
        lock.requested = request.mode
        var message = LockMessage(name: Self.emptyName)
        message.node = node
        message.pid = lock.owner.pid
        message.lockID = lock.id
        message.remoteID = lock.remoteID
        message.exflags = request.flags.rawValue
        message.requestedMode = request.mode
        message.asts = request.wantsBlockingCallbacks ? 3 : 1
        if request.flags.contains(.valueBlock) { message.valueBlock = lock.valueBlock }
        if request.flags.contains(.timeout) { message.timeoutCentiseconds = request.timeoutCentiseconds }
        let isDown = LockMode.isDownConversion(from: held, to: request.mode)
        if !isDown { lock.inFlight.insert(.convert) }
        locks[lock.id] = lock
        send(.convert(message), to: lock.master!, &directives)
        guard isDown else { return }
        // Fire-and-forget: the holder completes a down-conversion itself (spec §2.4).
        let carries = lock.flags.contains(.valueBlock)
            && LVBOperation.forGrant(from: lock.lastCompletedMode, to: request.mode) != .write
        if let current = locks[lock.id] { noteValueBlock(lock.id, lock: current, to: request.mode, block: nil, sequence: 0) }
        locks[lock.id]?.granted = request.mode
        locks[lock.id]?.requested = nil
        deliverCompletion(
            lock.id, status: .granted, flags: [], grantedMode: request.mode,
            valueBlock: carries ? lock.valueBlock : nil, &directives)
    }

    /// `dlm_unlock` with any of CANCEL, FORCEUNLOCK, VALBLK, IVVALBLK.
    mutating func unlock(
        lockID: LockID, flags: LockFlags, valueBlock: ValueBlock?, now: MonotonicInstant,
        _ directives: inout [NodeDirective]
    ) throws(DLMErrno) -> OperationOutcome {
        guard let lock = locks[lockID] else { throw .ENOENT }
        if case .local(let engineID) = lock.place {
            var effects: [EngineEffect] = []
            let outcome = try engine.unlock(lockID: engineID, flags: flags, valueBlock: valueBlock, now: now, effects: &effects)
            route(effects, reply: nil, now: now, &directives)
            touchMastered(lock.name, now: now)
            return outcome
        }
        guard flags.isSubset(of: LockFlags.unlockAllowed) else { throw .EINVAL }
        if flags.contains(.cancel) && flags.contains(.forceUnlock) { throw .EINVAL }
        if flags.contains(.cancel) { return try cancelRemote(lock, status: .cancelled, now: now, &directives) }
        if flags.contains(.forceUnlock) {
            if lock.inFlight.contains(.unlock) || lock.deferredForceUnlock != nil { throw .EINVAL }
            if lock.place == .awaitingMaster && !lock.inFlight.contains(.request) {
                deliverCompletion(lockID, status: .unlocked, flags: [], grantedMode: nil, valueBlock: nil, &directives)
                freeLock(lockID, now: now)
                return .completionFollows
            }
            if lock.inFlight.contains(.request) || lock.place == .awaitingMaster {
                locks[lockID]?.deferredForceUnlock = flags
                return .completionFollows
            }
        } else if !lock.inFlight.isEmpty || lock.place == .awaitingMaster {
            throw .EBUSY
        }
        if flags.contains(.valueBlock), let valueBlock { locks[lockID]?.valueBlock = valueBlock }
        sendUnlock(lockID, flags: flags, valueBlock: valueBlock, &directives)
        return .completionFollows
    }

    /// `dlm_ls_deadlock_cancel`.
    mutating func deadlockCancel(lockID: LockID, now: MonotonicInstant, _ directives: inout [NodeDirective]) throws(DLMErrno) -> OperationOutcome {
        guard let lock = locks[lockID] else { throw .ENOENT }
        if case .local(let engineID) = lock.place {
            var effects: [EngineEffect] = []
            let outcome = try engine.deadlockCancel(lockID: engineID, now: now, effects: &effects)
            route(effects, reply: nil, now: now, &directives)
            touchMastered(lock.name, now: now)
            return outcome
        }
        return try cancelRemote(lock, status: .deadlock, now: now, &directives)
    }

    /// Cancel of a lock not mastered here (spec §5.2 table).
    private mutating func cancelRemote(
        _ lock: HolderLock, status: CompletionStatus, now: MonotonicInstant, _ directives: inout [NodeDirective]
    ) throws(DLMErrno) -> OperationOutcome {
        if lock.cancelUsed || lock.inFlight.contains(.unlock) || lock.inFlight.contains(.cancel)
            || lock.deferredForceUnlock != nil
        {
            throw .EINVAL
        }
        locks[lock.id]?.cancelUsed = true
        if lock.place == .awaitingMaster && !lock.inFlight.contains(.request) {
            deliverCompletion(lock.id, status: status, flags: [], grantedMode: nil, valueBlock: nil, &directives)
            freeLock(lock.id, now: now)
            return .completionFollows
        }
        if lock.inFlight.contains(.request) || lock.place == .awaitingMaster {
            locks[lock.id]?.deferredCancel = status
            return .completionFollows
        }
        guard lock.requested != nil else { return .noCompletion }
        sendCancel(lock.id, status: status, &directives)
        return .completionFollows
    }

    /// A client handle went away: local-master locks through the engine's close; granted remote
    /// PERSISTENT ones become holder-side orphans (`NodeLockspace+Orphans`) unless `purging`; other
    /// remote ones are force-unlocked with IVVALBLK. Nothing more is delivered for the handle.
    mutating func closeHandle(_ handle: UInt64, purging: Bool = false, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        var effects: [EngineEffect] = []
        if !purging { engine.closeHandle(handle, now: now, effects: &effects) }
        var names: Set<ResourceName> = []
        for id in locks.keys.sorted() {
            guard var lock = locks[id], lock.owner.handle == handle else { continue }
            names.insert(lock.name)
            lock.silenced = true
            locks[id] = lock
            if !purging, lock.master != nil, orphanRemote(id, &directives) { continue }
            switch lock.place {
            case .local(let engineID):
                if engine.lockSnapshot(engineID)?.owner.handle != handle { freeLock(id, now: now) }
            case .awaitingMaster where !lock.inFlight.contains(.request):
                freeLock(id, now: now)
            case .awaitingMaster, .remote:
                if lock.inFlight.contains(.request) {
                    locks[id]?.deferredForceUnlock = [.forceUnlock, .invalidateValueBlock]
                } else if !lock.inFlight.contains(.unlock) {
                    sendUnlock(id, flags: [.forceUnlock, .invalidateValueBlock], valueBlock: nil, &directives)
                }
            }
        }
        route(effects, reply: nil, now: now, &directives)
        // Only the handle's resources can have lost their last lock (grants to others keep theirs
        // active), so only they are re-marked: O(handle's locks), not a sort of every mastered name.
        for name in names.sorted() { touchMastered(name, now: now) }
    }

    /// Releases this node's orphans of `pid` (0 = all): those in the engine (mastered here) and the
    /// holder-side ones of remotely mastered locks.
    mutating func purgeOrphans(pid: UInt32, now: MonotonicInstant, _ directives: inout [NodeDirective]) -> Int {
        var effects: [EngineEffect] = []
        let released = engine.purgeOrphans(pid: pid, now: now, effects: &effects) + purgeHolderOrphans(pid: pid, &directives)
        route(effects, reply: nil, now: now, &directives)
        touchAllMastered(now: now)
        return released
    }
}
