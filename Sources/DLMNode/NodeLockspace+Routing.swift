// dlmd — DLMNode: turning the engine's effects into local deliveries, GRANT/BAST messages and the
// reply to the message being handled.

import DLMCore
import DLMEngine
import DLMWire

/// The reply the master owes for the message it is handling.
struct PendingReply {
    enum Kind { case request, convert, unlock, cancel }
    var kind: Kind
    /// The master copy it is about.
    var engineID: LockID
    var holder: RemoteHolder
    /// A down-conversion: the holder already completed it; no reply is sent.
    var suppressed = false
    var sent = false
}

extension NodeLockspace {
    /// Routes `effects` in order. The first completion of `reply.engineID` becomes the reply;
    /// when none came, a "queued" (-EINPROGRESS) or "nothing to cancel" (0) reply is sent.
    mutating func route(
        _ effects: [EngineEffect], reply: PendingReply?, now: MonotonicInstant, _ directives: inout [NodeDirective]
    ) {
        var reply = reply
        for effect in effects {
            switch effect {
            case .completion(var completion):
                stampFenceToken(&completion)
                if var pending = reply, !pending.sent, completion.lockID == pending.engineID {
                    pending.sent = true
                    reply = pending
                    if !pending.suppressed { sendReply(pending, completion: completion, directives: &directives) }
                    forgetIfGone(completion)
                    continue
                }
                routeCompletion(completion, now: now, &directives)
            case .blocking(let notice):
                routeBlocking(notice, &directives)
            }
        }
        if let pending = reply, !pending.sent, !pending.suppressed {
            let result: Int32 = pending.kind == .cancel ? 0 : -DLMErrno.EINPROGRESS.rawValue
            sendStub(pending.kind, holder: pending.holder, engineID: pending.engineID, result: result, &directives)
        }
    }

    private mutating func routeCompletion(_ completion: Completion, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        if let local = localByEngineID[completion.lockID] {
            let gone = completion.grantedMode == nil && completion.status != .granted
            deliverCompletion(
                local, status: completion.status, flags: completion.flags, grantedMode: completion.grantedMode,
                valueBlock: completion.valueBlock, fenceToken: completion.fenceToken, &directives)
            if gone { freeLock(local, now: now) }
            return
        }
        guard let holder = remoteByEngineID[completion.lockID] else { return }
        var message = LockMessage(name: Self.emptyName)
        message.lockID = completion.lockID
        message.remoteID = holder.lockID
        message.result = -completion.status.rawValue
        message.sbflags = UInt32(completion.flags.rawValue)
        message.grantedMode = completion.grantedMode
        message.valueBlock = completion.valueBlock
        if completion.grantedMode != nil { message.lvbSequence = engine.valueBlockSequence(of: completion.lockID) ?? 0 }
        message.fenceToken = completion.fenceToken
        send(.grant(message), to: holder.node, &directives)
        forgetIfGone(completion)
    }

    private mutating func routeBlocking(_ notice: BlockingNotice, _ directives: inout [NodeDirective]) {
        if let local = localByEngineID[notice.lockID] {
            deliverBlocking(local, mode: notice.mode, &directives)
            return
        }
        guard let holder = remoteByEngineID[notice.lockID] else { return }
        var message = LockMessage(name: Self.emptyName)
        message.lockID = notice.lockID
        message.remoteID = holder.lockID
        message.bastMode = notice.mode
        send(.bast(message), to: holder.node, &directives)
    }

    /// Drops the master-copy mapping of a lock the completion ended.
    private mutating func forgetIfGone(_ completion: Completion) {
        guard completion.grantedMode == nil, completion.status != .granted else { return }
        remoteByEngineID[completion.lockID] = nil
    }

    private func sendReply(_ pending: PendingReply, completion: Completion, directives: inout [NodeDirective]) {
        var message = LockMessage(name: Self.emptyName)
        message.lockID = pending.engineID
        message.remoteID = pending.holder.lockID
        message.result = -completion.status.rawValue
        message.sbflags = UInt32(completion.flags.rawValue)
        message.grantedMode = completion.grantedMode
        message.valueBlock = completion.valueBlock
        if completion.valueBlock != nil || completion.grantedMode != nil {
            message.lvbSequence = engine.valueBlockSequence(of: pending.engineID) ?? 0
        }
        message.fenceToken = completion.fenceToken
        send(Self.wrap(pending.kind, message), to: pending.holder.node, &directives)
    }

    /// A reply that carries only a result (errors before a lock exists, "queued", "nothing to cancel").
    func sendStub(
        _ kind: PendingReply.Kind, holder: RemoteHolder, engineID: LockID, result: Int32, grantedMode: LockMode? = nil,
        _ directives: inout [NodeDirective]
    ) {
        var message = LockMessage(name: Self.emptyName)
        message.lockID = engineID
        message.remoteID = holder.lockID
        message.result = result
        message.grantedMode = grantedMode
        send(Self.wrap(kind, message), to: holder.node, &directives)
    }

    static func wrap(_ kind: PendingReply.Kind, _ message: LockMessage) -> WireMessage {
        switch kind {
        case .request: return .requestReply(message)
        case .convert: return .convertReply(message)
        case .unlock: return .unlockReply(message)
        case .cancel: return .cancelReply(message)
        }
    }
}
