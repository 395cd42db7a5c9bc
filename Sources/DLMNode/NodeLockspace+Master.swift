// dlmd — DLMNode: the master side: REQUEST, CONVERT, UNLOCK and CANCEL from remote holders run on
// master copies in the engine, owned by `remoteHandle(holder node)` (spec §2.4 remote rows, §9.4).

import DLMCore
import DLMEngine
import DLMWire

extension NodeLockspace {
    /// REQUEST (or a LOOKUP this node answers as master).
    mutating func onRequest(
        _ message: LockMessage, from sender: NodeID, checkMastery: Bool, now: MonotonicInstant,
        _ directives: inout [NodeDirective]
    ) {
        let holder = RemoteHolder(node: sender, lockID: message.lockID)
        if checkMastery, let refusal = refuseMastery(message.name, from: sender) {
            sendStub(.request, holder: holder, engineID: 0, result: refusal, &directives)
            return
        }
        guard let mode = message.requestedMode else { return }
        let flags = LockFlags(rawValue: message.exflags).subtracting([.wait, .orphan])
        let request = LockRequest(
            owner: LockOwner(node: sender, pid: message.pid, handle: Self.remoteHandle(sender)),
            name: message.name, mode: mode, flags: flags,
            valueBlock: flags.contains(.valueBlock) ? ValueBlock(zeroed: configuration.valueBlockLength) : nil,
            wantsBlockingCallbacks: message.asts & 2 != 0, timeoutCentiseconds: message.timeoutCentiseconds ?? 0)
        var effects: [EngineEffect] = []
        let engineID: LockID
        do {
            engineID = try engine.lock(request, now: now, effects: &effects).lockID
        } catch {
            sendStub(.request, holder: holder, engineID: 0, result: -error.rawValue, &directives)
            touchMastered(message.name, now: now)
            return
        }
        remoteByEngineID[engineID] = holder
        route(effects, reply: PendingReply(kind: .request, engineID: engineID, holder: holder), now: now, &directives)
        touchMastered(message.name, now: now)
    }

    /// The master copy a holder's message addresses, when `m_remid`/`m_lkid` and the sender match.
    private func masterCopy(_ message: LockMessage, from sender: NodeID) -> LockSnapshot? {
        guard remoteByEngineID[message.remoteID] == RemoteHolder(node: sender, lockID: message.lockID) else { return nil }
        return engine.lockSnapshot(message.remoteID)
    }

    /// CONVERT: down-conversions complete on the holder already, so no reply is sent for them.
    mutating func onConvert(_ message: LockMessage, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        let holder = RemoteHolder(node: sender, lockID: message.lockID)
        guard let copy = masterCopy(message, from: sender), let mode = message.requestedMode else {
            sendStub(.convert, holder: holder, engineID: message.remoteID, result: -DLMErrno.ENOENT.rawValue, &directives)
            return
        }
        let isDown = copy.grantedMode.map { LockMode.isDownConversion(from: $0, to: mode) } ?? false
        let flags = LockFlags(rawValue: message.exflags).union(.convert).subtracting(.wait)
        var block = message.valueBlock
        if flags.contains(.valueBlock) && block == nil { block = ValueBlock(zeroed: configuration.valueBlockLength) }
        let request = LockRequest(
            owner: copy.owner, name: copy.resource, mode: mode, flags: flags, lockID: message.remoteID,
            valueBlock: block, wantsBlockingCallbacks: message.asts & 2 != 0,
            timeoutCentiseconds: message.timeoutCentiseconds ?? 0)
        var effects: [EngineEffect] = []
        do {
            _ = try engine.lock(request, now: now, effects: &effects)
        } catch {
            if !isDown {
                sendStub(.convert, holder: holder, engineID: message.remoteID, result: -error.rawValue,
                         grantedMode: copy.grantedMode, &directives)
            }
            return
        }
        var reply = PendingReply(kind: .convert, engineID: message.remoteID, holder: holder)
        reply.suppressed = isDown
        route(effects, reply: reply, now: now, &directives)
        touchMastered(copy.resource, now: now)
    }

    /// UNLOCK (plain or FORCEUNLOCK), with the holder's LVB when VALBLK.
    mutating func onUnlock(_ message: LockMessage, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        let holder = RemoteHolder(node: sender, lockID: message.lockID)
        guard let copy = masterCopy(message, from: sender) else {
            sendStub(.unlock, holder: holder, engineID: message.remoteID, result: -DLMErrno.ENOENT.rawValue, &directives)
            return
        }
        let flags = LockFlags(rawValue: message.exflags).intersection([.valueBlock, .invalidateValueBlock, .forceUnlock])
        var effects: [EngineEffect] = []
        do {
            _ = try engine.unlock(
                lockID: message.remoteID, flags: flags, valueBlock: message.valueBlock, now: now, effects: &effects)
        } catch {
            sendStub(.unlock, holder: holder, engineID: message.remoteID, result: -error.rawValue, &directives)
            return
        }
        route(effects, reply: PendingReply(kind: .unlock, engineID: message.remoteID, holder: holder), now: now, &directives)
        touchMastered(copy.resource, now: now)
    }

    /// CANCEL; `m_result` = -EDEADLK asks for a deadlock-cancel. "Nothing to cancel" replies 0.
    mutating func onCancel(_ message: LockMessage, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        let holder = RemoteHolder(node: sender, lockID: message.lockID)
        guard let copy = masterCopy(message, from: sender) else {
            sendStub(.cancel, holder: holder, engineID: message.remoteID, result: 0, &directives)
            return
        }
        var effects: [EngineEffect] = []
        do {
            if message.result == -DLMErrno.EDEADLK.rawValue {
                _ = try engine.deadlockCancel(lockID: message.remoteID, now: now, effects: &effects)
            } else {
                _ = try engine.unlock(lockID: message.remoteID, flags: .cancel, valueBlock: nil, now: now, effects: &effects)
            }
        } catch {
            sendStub(.cancel, holder: holder, engineID: message.remoteID, result: 0, &directives)
            return
        }
        route(effects, reply: PendingReply(kind: .cancel, engineID: message.remoteID, holder: holder), now: now, &directives)
        touchMastered(copy.resource, now: now)
    }
}
