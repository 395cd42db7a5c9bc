// dlmd — DLMEngine: handle close, orphans, purge and adoption (spec §7.6).

import DLMCore

extension LockEngine {
    /// A handle closed or its process died. Non-PERSISTENT locks are force-unlocked with IVVALBLK
    /// (a PW/EX holder invalidates the LVB); PERSISTENT ones become orphans: a pending conversion is
    /// cancelled back to its granted mode, a pending new request is dropped. No effect is emitted for
    /// the handle. All of the handle's locks are dealt with before any resource is re-evaluated, so a
    /// dying handle is never granted anything.
    public mutating func closeHandle(_ handle: UInt64, now: MonotonicInstant, effects: inout [EngineEffect]) {
        guard handle != 0, let ids = locksByHandle[handle] else { return }
        silencedHandle = handle
        defer { silencedHandle = nil }
        var touched = Set<Int32>()
        for id in ids.sorted() {
            guard let lock = lock(id) else { continue }
            touched.insert(lock.slot)
            if lock.flags.contains(.persistent) {
                makeOrphan(id)
            } else {
                forceRemove(id)
            }
        }
        regrant(touched, effects: &effects)
    }

    /// Drops every lock of `handle`, PERSISTENT ones too (`dlm_ls_purge` of the caller's own pid):
    /// force-unlock with IVVALBLK, no effects for the handle.
    public mutating func purgeHandle(_ handle: UInt64, now: MonotonicInstant, effects: inout [EngineEffect]) {
        guard handle != 0, let ids = locksByHandle[handle] else { return }
        silencedHandle = handle
        defer { silencedHandle = nil }
        var touched = Set<Int32>()
        for id in ids.sorted() {
            guard let lock = lock(id) else { continue }
            touched.insert(lock.slot)
            forceRemove(id)
        }
        regrant(touched, effects: &effects)
    }

    /// Releases the orphans owned by `pid` (0 = every orphan) with IVVALBLK.
    /// - Returns: how many orphans were released.
    @discardableResult
    public mutating func purgeOrphans(pid: UInt32, now: MonotonicInstant, effects: inout [EngineEffect]) -> Int {
        guard let ids = locksByHandle[0] else { return 0 }
        var touched = Set<Int32>()
        var released = 0
        for id in ids.sorted() {
            guard let lock = lock(id), pid == 0 || lock.owner.pid == pid else { continue }
            touched.insert(lock.slot)
            forceRemove(id)
            released += 1
        }
        regrant(touched, effects: &effects)
        return released
    }

    /// `LKF_ORPHAN`: takes over an orphan with the request's name and granted mode = requested mode.
    /// The lock's flags are replaced and its owner becomes the requester; no completion follows.
    /// - Throws: `EAGAIN` when orphans of that name exist only in other modes, `ENOENT` when none.
    func adoptOrphanID(_ request: LockRequest) throws(DLMErrno) -> LockID {
        guard let ids = locksByHandle[0], let slot = resources.index[request.name] else { throw .ENOENT }
        var otherModeSeen = false
        for id in ids.sorted() {
            guard let lock = lock(id), lock.slot == slot else { continue }
            if lock.granted == request.mode && lock.queue == .granted { return id }
            otherModeSeen = true
        }
        throw otherModeSeen ? .EAGAIN : .ENOENT
    }

    mutating func adoptOrphan(_ request: LockRequest) throws(DLMErrno) -> LockID {
        let id = try adoptOrphanID(request)
        setOwner(id, request.owner)
        let block = request.valueBlock.map { fitted($0) }
        update(id) { lock in
            lock.flags = request.flags
            lock.status = []
            lock.cancelUsed = false
            lock.wantsBlockingCallbacks = request.wantsBlockingCallbacks
            if request.flags.contains(.valueBlock), let block { lock.valueBlock = block }
        }
        return id
    }

    /// Turns a PERSISTENT lock into an orphan (owner handle 0, pid and node kept).
    private mutating func makeOrphan(_ id: LockID) {
        guard let lock = lock(id) else { return }
        switch lock.queue {
        case .waiting:
            resources[lock.slot]?.remove(id, from: .waiting)
            discardLock(id)
            return
        case .converting:
            revertConversion(id)
        case .granted:
            break
        }
        var owner = lock.owner
        owner.handle = 0
        setOwner(id, owner)
    }

    /// Force-unlock with IVVALBLK and no completion.
    private mutating func forceRemove(_ id: LockID) {
        guard let lock = lock(id) else { return }
        update(id) { $0.flags.insert(.invalidateValueBlock) }
        applyUnlockValueBlock(id)
        resources[lock.slot]?.remove(id, from: lock.queue)
        discardLock(id)
    }

    /// Runs grant_pending on each resource that still exists, in slot order. No resource is created
    /// while a close or purge runs, so a freed slot cannot have been reused for another name.
    private mutating func regrant(_ slots: Set<Int32>, effects: inout [EngineEffect]) {
        for slot in slots.sorted() { grantPending(slot, effects: &effects) }
    }
}
