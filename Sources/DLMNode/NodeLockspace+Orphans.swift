// dlmd — DLMNode: orphans of PERSISTENT locks whose master is another node. As in the kernel, such
// an orphan stays on its holder node: the lock keeps its place (and its master copy keeps blocking
// others on the master), its owner handle becomes 0, and only this node can adopt it (LKF_ORPHAN)
// or purge it. Orphans of locally mastered locks live in the engine (LockEngine+Orphans).

import DLMCore
import DLMEngine
import DLMWire

extension NodeLockspace {
    /// A closing handle's remote lock `id`: a granted PERSISTENT lock becomes an orphan here (a
    /// pending conversion is cancelled back to the granted mode). Returns false when the lock is not
    /// one that can be orphaned (not PERSISTENT, not granted yet, or a request/unlock in flight);
    /// the caller then force-unlocks it.
    mutating func orphanRemote(_ id: LockID, _ directives: inout [NodeDirective]) -> Bool {
        guard let lock = locks[id], lock.flags.contains(.persistent), lock.granted != nil, lock.master != nil,
            !lock.inFlight.contains(.request), !lock.inFlight.contains(.unlock), lock.deferredForceUnlock == nil
        else { return false }
        locks[id]?.owner.handle = 0
        locks[id]?.silenced = true
        if lock.requested != nil && !lock.inFlight.contains(.cancel) { sendCancel(id, status: .cancelled, &directives) }
        return true
    }

    /// Whether local lock `id` is a holder-side orphan.
    func isHolderOrphan(_ lock: HolderLock) -> Bool { lock.owner.handle == 0 && !lock.isLocal }

    /// LKF_ORPHAN: adopts a holder-side orphan of `request.name` held in `request.mode` (granted,
    /// nothing pending). The lock's owner, flags and callbacks become the requester's.
    /// - Returns: the adopted lock's id, nil when this node has no holder-side orphan of that name.
    /// - Throws: `EAGAIN` when orphans of that name exist only in other modes (or are busy).
    mutating func adoptHolderOrphan(_ request: LockRequest) throws(DLMErrno) -> LockID? {
        let candidates = locks.values.filter { isHolderOrphan($0) && $0.name == request.name }.sorted { $0.id < $1.id }
        guard !candidates.isEmpty else { return nil }
        guard let found = candidates.first(where: { $0.granted == request.mode && $0.requested == nil && $0.inFlight.isEmpty })
        else { throw .EAGAIN }
        var lock = found
        lock.owner = request.owner
        lock.request = request
        lock.flags = request.flags.subtracting(.orphan)
        lock.silenced = false
        lock.cancelUsed = false
        lock.filter = CallbackFilter()
        lock.lastCompletedMode = lock.granted
        if request.flags.contains(.valueBlock), let block = request.valueBlock { lock.valueBlock = block }
        locks[lock.id] = lock
        return lock.id
    }

    /// Force-unlocks (IVVALBLK) the holder-side orphans of `pid` (0 = all); the master's replies
    /// free them. - Returns: how many were released.
    mutating func purgeHolderOrphans(pid: UInt32, _ directives: inout [NodeDirective]) -> Int {
        var released = 0
        for id in locks.keys.sorted() {
            guard let lock = locks[id], isHolderOrphan(lock), pid == 0 || lock.owner.pid == pid,
                !lock.inFlight.contains(.unlock)
            else { continue }
            sendUnlock(id, flags: [.forceUnlock, .invalidateValueBlock], valueBlock: nil, &directives)
            released += 1
        }
        return released
    }

    /// PURGE from another node (`dlm_ls_purge` there naming this node): this node's orphans of
    /// `message.pid` (0 = all), mastered here or elsewhere, are released.
    mutating func onPurge(_ message: LockMessage, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        _ = purgeOrphans(pid: message.pid, now: now, &directives)
    }
}
