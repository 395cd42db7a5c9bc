// dlmd — DLMNode: the holder side of remote locks: replies, GRANT and BAST from the master, and the
// deferred cancel/force-unlock applied when a request reply arrives (spec §5.2–§5.4).

import DLMCore
import DLMEngine
import DLMWire

extension NodeLockspace {
    /// The local lock a master's message addresses (`m_remid`), when `sender` may speak for it.
    private func addressed(_ message: LockMessage, from sender: NodeID) -> HolderLock? {
        guard let lock = locks[message.remoteID], lock.master == sender else { return nil }
        return lock
    }

    static func status(_ result: Int32) -> CompletionStatus {
        CompletionStatus(rawValue: -result) ?? .wouldBlock
    }

    /// LOOKUP_REPLY: the master is known; the carrier and the lookup list go on.
    mutating func onLookupReply(_ message: LockMessage, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard message.result == 0, let lock = locks[message.remoteID], lock.place == .awaitingMaster,
            lock.inFlight.contains(.request)
        else { return }
        let master = message.node
        holderResources[lock.name]?.carrier = nil
        if master == node {
            becomeMaster(lock.name)
            locks[lock.id]?.inFlight.remove(.request)
            submitLocalDeferred(lock.id, now: now, &directives)
        } else {
            masterCache.record(lock.name, master: master)
            sendRequest(lock.id, to: master, &directives)
        }
        releaseWaiting(lock.name, now: now, &directives)
    }

    /// REQUEST_REPLY: granted, queued, refused (EAGAIN), or EBADR/ENOTBLK (look the master up again).
    mutating func onRequestReply(_ message: LockMessage, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard var lock = locks[message.remoteID], lock.inFlight.contains(.request),
            lock.master == sender || lock.place == .awaitingMaster
        else { return }
        let name = lock.name
        if message.result == -DLMErrno.EBADR.rawValue || message.result == -DLMErrno.ENOTBLK.rawValue {
            masterCache.forget(name)
            lock.inFlight.remove(.request)
            lock.place = .awaitingMaster
            locks[lock.id] = lock
            if holderResources[name]?.carrier == lock.id { holderResources[name]?.carrier = nil }
            submitNew(lock.id, now: now, &directives)
            return
        }
        if !configuration.noDirectory && mastered[name] == nil && map.directoryNode(for: name) != node {
            masterCache.record(name, master: sender)
        }
        lock.place = .remote(master: sender, remoteID: message.lockID)
        lock.inFlight.remove(.request)
        locks[lock.id] = lock
        if holderResources[name]?.carrier == lock.id { holderResources[name]?.carrier = nil }
        switch message.result {
        case 0:
            grantRemote(lock.id, message, &directives)
            applyDeferred(lock.id, &directives)
        case -DLMErrno.EINPROGRESS.rawValue:
            applyDeferred(lock.id, &directives)
        default:
            deliverCompletion(lock.id, status: Self.status(message.result), flags: [], grantedMode: nil, valueBlock: nil, &directives)
            freeLock(lock.id, now: now)
        }
        releaseWaiting(name, now: now, &directives)
    }

    /// Records a grant carried by a reply or GRANT and delivers completion 0.
    private mutating func grantRemote(_ id: LockID, _ message: LockMessage, _ directives: inout [NodeDirective]) {
        guard let mode = message.grantedMode ?? locks[id]?.requested, let lock = locks[id] else { return }
        noteValueBlock(id, lock: lock, to: mode, block: message.valueBlock, sequence: message.lvbSequence)
        locks[id]?.granted = mode
        locks[id]?.requested = nil
        deliverCompletion(
            id, status: .granted, flags: StatusFlags(rawValue: UInt8(truncatingIfNeeded: message.sbflags)),
            grantedMode: mode, valueBlock: message.valueBlock, fenceToken: message.fenceToken, &directives)
    }

    /// After the request reply: a force-unlock asked for meanwhile is sent now; a cancel is sent
    /// when the request was queued and dropped when it was granted.
    private mutating func applyDeferred(_ id: LockID, _ directives: inout [NodeDirective]) {
        guard var lock = locks[id] else { return }
        if let flags = lock.deferredForceUnlock {
            lock.deferredForceUnlock = nil
            lock.deferredCancel = nil
            locks[id] = lock
            sendUnlock(id, flags: flags, valueBlock: nil, &directives)
            return
        }
        if let status = lock.deferredCancel {
            lock.deferredCancel = nil
            locks[id] = lock
            if lock.requested != nil { sendCancel(id, status: status, &directives) }
        }
    }

    /// CONVERT_REPLY: granted, queued, or EAGAIN/EDEADLK (the lock keeps its granted mode).
    mutating func onConvertReply(_ message: LockMessage, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard let lock = addressed(message, from: sender), lock.inFlight.contains(.convert) else { return }
        locks[lock.id]?.inFlight.remove(.convert)
        switch message.result {
        case 0:
            grantRemote(lock.id, message, &directives)
        case -DLMErrno.EINPROGRESS.rawValue:
            break
        default:
            let held = message.grantedMode ?? lock.granted
            locks[lock.id]?.granted = held
            locks[lock.id]?.requested = nil
            deliverCompletion(
                lock.id, status: Self.status(message.result),
                flags: StatusFlags(rawValue: UInt8(truncatingIfNeeded: message.sbflags)), grantedMode: held,
                valueBlock: nil, &directives)
        }
    }

    /// GRANT: the asynchronous end of a queued request or conversion (0, or ETIMEDOUT).
    mutating func onGrant(_ message: LockMessage, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard let lock = addressed(message, from: sender), lock.requested != nil else { return }
        if message.result == 0 {
            grantRemote(lock.id, message, &directives)
            return
        }
        let held = lock.granted == nil ? nil : (message.grantedMode ?? lock.granted)
        locks[lock.id]?.granted = held
        locks[lock.id]?.requested = nil
        deliverCompletion(
            lock.id, status: Self.status(message.result), flags: [], grantedMode: held, valueBlock: nil,
            &directives)
        if held == nil && !lock.inFlight.contains(.unlock) { freeLock(lock.id, now: now) }
    }

    /// UNLOCK_REPLY: the lock is gone (EUNLOCK, also when the master had lost it).
    mutating func onUnlockReply(_ message: LockMessage, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard let lock = addressed(message, from: sender), lock.inFlight.contains(.unlock) else { return }
        deliverCompletion(lock.id, status: .unlocked, flags: [], grantedMode: nil, valueBlock: nil, &directives)
        freeLock(lock.id, now: now)
    }

    /// CANCEL_REPLY: ECANCEL/EDEADLK ends the pending request or conversion; 0 means the master had
    /// nothing to cancel (a grant crossed the cancel) and nothing is delivered.
    mutating func onCancelReply(_ message: LockMessage, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard let lock = addressed(message, from: sender), lock.inFlight.contains(.cancel) else { return }
        locks[lock.id]?.inFlight.remove(.cancel)
        guard message.result != 0, lock.requested != nil else { return }
        // A CONVDEADLK conversion may have been demoted meanwhile: the master's mode wins.
        let held = lock.granted == nil ? nil : (message.grantedMode ?? lock.granted)
        locks[lock.id]?.granted = held
        locks[lock.id]?.requested = nil
        deliverCompletion(lock.id, status: Self.status(message.result), flags: [], grantedMode: held, valueBlock: nil, &directives)
        if held == nil && !lock.inFlight.contains(.unlock) { freeLock(lock.id, now: now) }
    }

    /// BAST from the master, through the lock's delivery-side filter.
    mutating func onBlocking(_ message: LockMessage, from sender: NodeID, _ directives: inout [NodeDirective]) {
        guard let lock = addressed(message, from: sender), let mode = message.bastMode else { return }
        deliverBlocking(lock.id, mode: mode, &directives)
    }

    // MARK: - Sending holder operations

    mutating func sendUnlock(_ id: LockID, flags: LockFlags, valueBlock: ValueBlock?, _ directives: inout [NodeDirective]) {
        guard let lock = locks[id], let master = lock.master else { return }
        var message = LockMessage(name: Self.emptyName)
        message.node = node
        message.pid = lock.owner.pid
        message.lockID = id
        message.remoteID = lock.remoteID
        let allFlags = lock.flags.union(flags)
        message.exflags = allFlags.rawValue
        if allFlags.contains(.valueBlock) { message.valueBlock = valueBlock ?? lock.valueBlock }
        locks[id]?.inFlight.insert(.unlock)
        send(.unlock(message), to: master, &directives)
    }

    mutating func sendCancel(_ id: LockID, status: CompletionStatus, _ directives: inout [NodeDirective]) {
        guard let lock = locks[id], let master = lock.master else { return }
        var message = LockMessage(name: Self.emptyName)
        message.node = node
        message.lockID = id
        message.remoteID = lock.remoteID
        message.result = status == .deadlock ? -DLMErrno.EDEADLK.rawValue : 0
        locks[id]?.inFlight.insert(.cancel)
        send(.cancel(message), to: master, &directives)
    }

    /// Keeps the holder's recovery copy of the resource LVB after a grant to `mode`: an R step
    /// copies what the master sent, a W step what this lock wrote.
    mutating func noteValueBlock(_ id: LockID, lock: HolderLock, to mode: LockMode, block: ValueBlock?, sequence: UInt32) {
        guard lock.flags.contains(.valueBlock) else { return }
        switch LVBOperation.forGrant(from: lock.lastCompletedMode, to: mode) {
        case .read:
            guard let block else { return }
            locks[id]?.recoveryValueBlock = block
            locks[id]?.valueBlockSequence = sequence
        case .write:
            guard !lock.flags.contains(.invalidateValueBlock), let written = lock.valueBlock else { return }
            locks[id]?.recoveryValueBlock = written
            locks[id]?.valueBlockSequence = sequence != 0 ? sequence : lock.valueBlockSequence &+ 1
        case .none:
            return
        }
    }
}
