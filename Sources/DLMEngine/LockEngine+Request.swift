// dlmd — DLMEngine: new requests and conversions (spec §2.4 request/convert rows, §7.6 adoption).

import DLMCore

extension LockEngine {
    /// Requests a new lock, or converts one when `request.flags` contains `.convert`.
    ///
    /// - Parameters:
    ///   - request: the call's arguments.
    ///   - now: the current time (starts LKF_TIMEOUT waits).
    ///   - effects: completions and basts decided by this call are appended, in delivery order.
    /// - Returns: the lock id (known before any completion) and whether a completion follows
    ///   (`.noCompletion` only when an orphan was adopted).
    /// - Throws: `EINVAL` (flag combinations, spec §3.1), `ENOENT` (unknown lock, or no orphan to adopt),
    ///   `EBUSY` (converting a lock that is waiting or converting), `EAGAIN` (orphan held in another mode),
    ///   `ENOMEM` (a new lock beyond `lockCountMax`).
    public mutating func lock(
        _ request: LockRequest, now: MonotonicInstant, effects: inout [EngineEffect]
    ) throws(DLMErrno) -> (lockID: LockID, outcome: OperationOutcome) {
        try Self.validateLockFlags(request)
        if request.flags.contains(.convert) {
            try convert(request, now: now, effects: &effects)
            return (request.lockID, .completionFollows)
        }
        if request.flags.contains(.orphan) {
            return (try adoptOrphan(request), .noCompletion)
        }
        if lockCount >= lockCountMax { throw .ENOMEM }
        return (newRequest(request, now: now, effects: &effects), .completionFollows)
    }

    /// A new lock: granted at once, queued, or refused (NOQUEUE).
    private mutating func newRequest(_ request: LockRequest, now: MonotonicInstant, effects: inout [EngineEffect]) -> LockID {
        var request = request
        if let block = request.valueBlock { request.valueBlock = fitted(block) }
        let id = insertLock(request: request, now: now)
        if evaluate(id, now: true) == .grant {
            grantLock(id, effects: &effects)
            return id
        }
        if request.flags.contains(.noQueue) {
            completeWithoutGrant(id, status: .wouldBlock, grantedMode: nil, effects: &effects)
            if request.flags.contains(.noQueueBlockingCallback) {
                blockingForQueued(id, includeConverting: true, effects: &effects)
            }
            discardLock(id)
            return id
        }
        enqueue(id, on: .waiting, request: request, now: now)
        blockingForQueued(id, includeConverting: false, effects: &effects)
        return id
    }

    /// A conversion of a granted lock (do_convert).
    private mutating func convert(_ request: LockRequest, now: MonotonicInstant, effects: inout [EngineEffect]) throws(DLMErrno) {
        let original = try validateConversion(request)
        let id = original.id
        let valueBlock = request.valueBlock.map { fitted($0) }
        update(id) { lock in
            lock.flags = request.flags
            lock.status = []
            lock.cancelUsed = false
            lock.wantsBlockingCallbacks = request.wantsBlockingCallbacks
            if request.flags.contains(.valueBlock), let valueBlock { lock.valueBlock = valueBlock }
            lock.requested = request.mode
            lock.waitingSince = now
        }
        switch evaluate(id, now: true) {
        case .grant:
            grantLock(id, effects: &effects)
            grantPending(original.slot, effects: &effects)
            return
        case .deadlock where !request.flags.contains(.noDeadlockWait):
            revertConversion(id)
            completeWithoutGrant(id, status: .deadlock, grantedMode: original.granted, effects: &effects)
            return
        case .demoted:
            var high: LockMode?
            var cw = false
            convertPass(original.slot, recover: false, high: &high, cw: &cw, effects: &effects)
            if let lock = lock(id), let requested = lock.requested, let resource = resources[lock.slot],
                canGrant(lock, requested: requested, in: resource, now: true, recover: false)
            {
                grantLock(id, effects: &effects)
                grantPending(original.slot, effects: &effects)
                return
            }
        case .deadlock, .block:
            break
        }
        if request.flags.contains(.noQueue) {
            let held = lock(id)?.granted
            revertConversion(id)
            completeWithoutGrant(id, status: .wouldBlock, grantedMode: held, effects: &effects)
            if request.flags.contains(.noQueueBlockingCallback) {
                update(id) { $0.requested = request.mode }
                blockingForQueued(id, includeConverting: true, effects: &effects)
                update(id) { $0.requested = nil }
            }
            return
        }
        enqueue(id, on: .converting, request: request, now: now)
        blockingForQueued(id, includeConverting: false, effects: &effects)
    }

    /// Puts a blocked lock on the wait or convert queue and arms its timeout.
    private mutating func enqueue(_ id: LockID, on queue: LockQueue, request: LockRequest, now: MonotonicInstant) {
        guard let lock = lock(id) else { return }
        if lock.queue == .granted { resources[lock.slot]?.remove(id, from: .granted) }
        resources[lock.slot]?.insert(id, into: queue, atHead: request.flags.contains(.headQueue))
        let deadline = Self.deadline(for: request, now: now)
        update(id) { lock in
            lock.queue = queue
            lock.deadline = deadline
        }
        if let deadline { deadlines[id] = deadline }
    }

    /// Ends a pending conversion: back on the grant queue at its granted mode (NL if demoted).
    mutating func revertConversion(_ id: LockID) {
        guard let lock = lock(id) else { return }
        if lock.queue == .converting {
            resources[lock.slot]?.remove(id, from: .converting)
            resources[lock.slot]?.insert(id, into: .granted, atHead: false)
        }
        if lock.deadline != nil { deadlines[id] = nil }
        update(id) { lock in
            lock.queue = .granted
            lock.requested = nil
            lock.waitingSince = nil
            lock.deadline = nil
        }
    }
}
