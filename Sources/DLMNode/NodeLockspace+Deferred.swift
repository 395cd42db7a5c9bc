// dlmd — DLMNode: client calls made while a lockspace is stopped or rebuilding. They are checked
// for argument errors at once, queued (bounded) and run in order when locking resumes, so a caller
// sees a delay, not an error (spec §10.6, §0 "lock and unlock calls during recovery").

import DLMCore
import DLMEngine

/// A client call queued during recovery.
enum DeferredCall: Sendable {
    /// A new lock (its `lockID` is the id reserved for it) or a conversion.
    case lock(LockRequest)
    case unlock(lockID: LockID, handle: UInt64, flags: LockFlags, valueBlock: ValueBlock?)
    case deadlockCancel(lockID: LockID, handle: UInt64)

    var handle: UInt64 {
        switch self {
        case .lock(let request): return request.owner.handle
        case .unlock(_, let handle, _, _), .deadlockCancel(_, let handle): return handle
        }
    }
}

/// A queued call that failed when it ran at resume (or was refused because the queue was full).
public struct DeferredCallFailure: Sendable, Hashable {
    /// Which call: "lock", "convert", "unlock" or "deadlockCancel".
    public var call: String
    /// The lockspace's global id.
    public var lockspace: UInt32
    /// The caller's client handle.
    public var handle: UInt64
    /// This node's lock id (the id the caller was given for a queued new lock).
    public var lockID: LockID
    /// What the call failed with.
    public var errno: DLMErrno
    /// A constant reason for logs.
    public var reason: String
}

extension NodeLockspace {
    /// Whether client calls are queued instead of run.
    var queuesCalls: Bool { phase == .stopped || phase == .rebuilding }

    private mutating func checkQueueRoom(_ call: String, handle: UInt64, lockID: LockID) throws(DLMErrno) {
        guard deferredCalls.count >= Limits.recoveryQueuedCallsMax else { return }
        deferredFailures.append(DeferredCallFailure(
            call: call, lockspace: globalID, handle: handle, lockID: lockID, errno: .EAGAIN, reason: "recovery queue full"))
        throw .EAGAIN
    }

    /// Whether `id` names a lock of `handle`'s lockspace: an existing one or a queued new one.
    func knows(_ id: LockID) -> Bool { locks[id] != nil || reservedIDs[id] != nil }

    /// Queues `dlm_lock` while recovery runs. Argument errors are reported now; a new lock gets its
    /// id now. ORPHAN adoption is refused with EAGAIN (it needs the master's synchronous answer).
    mutating func deferLock(_ request: LockRequest) throws(DLMErrno) -> (lockID: LockID, outcome: OperationOutcome) {
        var request = request
        request.owner.node = node
        guard request.owner.handle != 0, request.owner.handle < Self.localHandleLimit else { throw .EINVAL }
        try LockEngine.checkLockArguments(request)
        if request.flags.contains(.orphan) { throw .EAGAIN }
        try checkQueueRoom(request.flags.contains(.convert) ? "convert" : "lock", handle: request.owner.handle, lockID: request.lockID)
        if request.flags.contains(.convert) {
            guard knows(request.lockID) else { throw .ENOENT }
            // A queued new lock's request is still pending: converting it is EBUSY, as it would be.
            if reservedIDs[request.lockID] != nil { throw .EBUSY }
        } else {
            if locks.count + reservedIDs.count + remoteByEngineID.count >= engine.lockCountMax { throw .ENOMEM }
            request.lockID = allocator.allocate()
            reservedIDs[request.lockID] = request.owner.handle
        }
        deferredCalls.append(.lock(request))
        return (request.lockID, .completionFollows)
    }

    /// Queues `dlm_unlock` (any flags) while recovery runs.
    mutating func deferUnlock(lockID: LockID, flags: LockFlags, valueBlock: ValueBlock?) throws(DLMErrno) -> OperationOutcome {
        guard flags.isSubset(of: LockFlags.unlockAllowed) else { throw .EINVAL }
        if flags.contains(.cancel) && flags.contains(.forceUnlock) { throw .EINVAL }
        guard let handle = locks[lockID]?.owner.handle ?? reservedIDs[lockID] else { throw .ENOENT }
        if reservedIDs[lockID] != nil && flags.isDisjoint(with: [.cancel, .forceUnlock]) { throw .EBUSY }
        try checkQueueRoom("unlock", handle: handle, lockID: lockID)
        deferredCalls.append(.unlock(lockID: lockID, handle: handle, flags: flags, valueBlock: valueBlock))
        return .completionFollows
    }

    /// Queues `dlm_ls_deadlock_cancel` while recovery runs.
    mutating func deferDeadlockCancel(lockID: LockID) throws(DLMErrno) -> OperationOutcome {
        guard let handle = locks[lockID]?.owner.handle ?? reservedIDs[lockID] else { throw .ENOENT }
        try checkQueueRoom("deadlockCancel", handle: handle, lockID: lockID)
        deferredCalls.append(.deadlockCancel(lockID: lockID, handle: handle))
        return .completionFollows
    }

    /// A handle closed during recovery: its queued calls are dropped (their reserved ids freed).
    mutating func dropDeferredCalls(of handle: UInt64) {
        deferredCalls.removeAll { $0.handle == handle }
        for (id, owner) in reservedIDs where owner == handle {
            reservedIDs[id] = nil
            allocator.release(id)
        }
    }

    /// Runs the queued calls in order (locking resumed). A call that fails now is recorded; a failed
    /// new lock or conversion also completes with EAGAIN so its caller does not wait for ever.
    mutating func runDeferredCalls(now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        let calls = deferredCalls
        deferredCalls = []
        for (index, call) in calls.enumerated() {
            // A recovery that starts again while the queue runs (it cannot in one call today) would
            // queue the rest: keep order by requeueing them first.
            guard !queuesCalls else {
                deferredCalls = Array(calls[index...]) + deferredCalls
                return
            }
            run(call, now: now, &directives)
        }
    }

    private mutating func run(_ call: DeferredCall, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        switch call {
        case .lock(let request):
            let isNew = reservedIDs.removeValue(forKey: request.lockID) != nil
            do {
                _ = try lock(request, reservedID: isNew ? request.lockID : nil, now: now, &directives)
            } catch {
                failDeferredLock(request, isNew: isNew, errno: error, &directives)
            }
        case .unlock(let lockID, let handle, let flags, let valueBlock):
            do {
                _ = try unlock(lockID: lockID, flags: flags, valueBlock: valueBlock, now: now, &directives)
            } catch {
                noteFailure("unlock", handle: handle, lockID: lockID, errno: error)
            }
        case .deadlockCancel(let lockID, let handle):
            do {
                _ = try deadlockCancel(lockID: lockID, now: now, &directives)
            } catch {
                noteFailure("deadlockCancel", handle: handle, lockID: lockID, errno: error)
            }
        }
    }

    private mutating func failDeferredLock(_ request: LockRequest, isNew: Bool, errno: DLMErrno, _ directives: inout [NodeDirective]) {
        noteFailure(isNew ? "lock" : "convert", handle: request.owner.handle, lockID: request.lockID, errno: errno)
        if isNew {
            allocator.release(request.lockID)
            let completion = Completion(
                lockID: request.lockID, owner: request.owner, status: .wouldBlock, flags: [], grantedMode: nil, valueBlock: nil)
            directives.append(.deliver(lockspace: globalID, effect: .completion(completion)))
        } else if let lock = locks[request.lockID] {
            let granted = lock.isLocal ? engine.lockSnapshot(lock.engineID)?.grantedMode : lock.granted
            deliverCompletion(request.lockID, status: .wouldBlock, flags: [], grantedMode: granted, valueBlock: nil, &directives)
        }
    }

    private mutating func noteFailure(_ call: String, handle: UInt64, lockID: LockID, errno: DLMErrno) {
        deferredFailures.append(DeferredCallFailure(
            call: call, lockspace: globalID, handle: handle, lockID: lockID, errno: errno,
            reason: "queued call failed when recovery finished"))
    }
}
