// dlmd — DLMNode: peer messages and ticks of one lockspace, dispatched to the master, holder and
// directory handlers.

import DLMCore
import DLMEngine
import DLMWire

extension NodeLockspace {
    mutating func onMessage(_ message: WireMessage, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        mergeFenceClock(message)
        switch message {
        case .request(let m): onRequest(m, from: sender, checkMastery: true, now: now, &directives)
        case .convert(let m): onConvert(m, from: sender, now: now, &directives)
        case .unlock(let m): onUnlock(m, from: sender, now: now, &directives)
        case .cancel(let m): onCancel(m, from: sender, now: now, &directives)
        case .requestReply(let m): onRequestReply(m, from: sender, now: now, &directives)
        case .convertReply(let m): onConvertReply(m, from: sender, now: now, &directives)
        case .unlockReply(let m): onUnlockReply(m, from: sender, now: now, &directives)
        case .cancelReply(let m): onCancelReply(m, from: sender, now: now, &directives)
        case .grant(let m): onGrant(m, from: sender, now: now, &directives)
        case .bast(let m): onBlocking(m, from: sender, &directives)
        case .lookup(let m): onLookup(m, from: sender, now: now, &directives)
        case .remove(let m): onRemove(m, from: sender)
        case .lookupReply(let m): onLookupReply(m, from: sender, now: now, &directives)
        case .purge(let m): onPurge(m, now: now, &directives)
        default: break
        }
    }

    mutating func onTick(now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        var effects: [EngineEffect] = []
        let lockCount = engine.lockCount
        engine.expireTimeouts(now: now, effects: &effects)
        route(effects, reply: nil, now: now, &directives)
        // Only a timed-out request that left removes a lock (and so can empty a resource); a tick
        // that expired none (most ticks: toss expiry) must not sort every mastered name.
        if engine.lockCount != lockCount { touchAllMastered(now: now) }
        expireInactive(now: now, &directives)
    }

    // MARK: - Queries for tests and the simulator

    /// Holder view of a local lock: (granted, requested) as this node knows them; for locally
    /// mastered locks the engine's view.
    func holderView(_ id: LockID) -> (granted: LockMode?, requested: LockMode?)? {
        guard let lock = locks[id] else { return nil }
        if case .local(let engineID) = lock.place, let snapshot = engine.lockSnapshot(engineID) {
            return (snapshot.grantedMode, snapshot.requestedMode)
        }
        return (lock.granted, lock.requested)
    }
}
