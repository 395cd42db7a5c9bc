// dlmd — DLMEngine: the grant predicate (spec §2.2), its deadlock/alternate-mode wrapper (§2.3),
// granting one lock, and grant_pending (§2.5).
//
// NODLCKWT: spec §0 says the old deadlock detector's flags are accepted and ignored, but the modern
// kernel still honours NODLCKWT inside conversion-deadlock handling (§2.4 row, §2.5 self-bast, edge
// case 9). dlmd follows the kernel here: a deadlocked NODLCKWT conversion is queued instead of
// failing with EDEADLK, and the convert pass basts it with its own mode when its highbast is lower.

import DLMCore

/// What the wrapper around `canGrant` decided for one lock.
enum GrantDecision: Equatable {
    case grant
    case block
    /// A conversion deadlock without CONVDEADLK (EDEADLK unless NODLCKWT).
    case deadlock
    /// CONVDEADLK demoted the lock's granted mode to NL; not granted (yet).
    case demoted
}

extension LockEngine {
    // MARK: - canGrant (§2.2)

    /// Rules 1–11 of spec §2.2, in order, for `lock` asking for `requested`.
    func canGrant(_ lock: Lock, requested: LockMode, in resource: Resource, now: Bool, recover: Bool) -> Bool {
        if lock.flags.contains(.expedite) { return true }  // 1
        if conflicts(resource.granted, with: lock.id, requested: requested) { return false }  // 2
        if conflicts(resource.converting, with: lock.id, requested: requested) { return false }  // 3
        let isConversion = lock.isConversion
        if isConversion && recover { return true }  // 4
        if now && isConversion {
            if !lock.flags.contains(.queueConvert) { return true }  // 5
            return resource.converting.isEmpty  // 6
        }
        if lock.flags.contains(.noOrder) { return true }  // 7
        if !now && isConversion && resource.converting.first == lock.id { return true }  // 8
        if now && !isConversion && resource.converting.isEmpty && resource.waiting.isEmpty { return true }  // 9
        if !now && !isConversion && resource.converting.isEmpty && resource.waiting.first == lock.id { return true }  // 10
        return false  // 11
    }

    /// Whether a lock in `queue` other than `id` holds a granted mode incompatible with `requested`.
    private func conflicts(_ queue: some Sequence<LockID>, with id: LockID, requested: LockMode) -> Bool {
        for other in queue where other != id {
            if let held = lock(other)?.granted, !held.isCompatible(with: requested) { return true }
        }
        return false
    }

    /// `deadlocked(L)` of spec §2.3: walks the convert queue; locks ahead of L deadlock it when L's
    /// granted mode blocks their request, locks behind it when the block is mutual.
    func isConversionDeadlocked(_ lock: Lock, requested: LockMode, in resource: Resource) -> Bool {
        guard let held = lock.granted else { return false }
        var passedSelf = false
        for otherID in resource.converting {
            if otherID == lock.id {
                passedSelf = true
                continue
            }
            guard let other = self.lock(otherID), let otherRequested = other.requested,
                let otherHeld = other.granted
            else { continue }
            let blocksOther = !held.isCompatible(with: otherRequested)
            if !passedSelf {
                if blocksOther { return true }
            } else if blocksOther && !otherHeld.isCompatible(with: requested) {
                return true
            }
        }
        return false
    }

    // MARK: - Wrapper (§2.3)

    /// canGrant plus conversion-deadlock handling and ALTPR/ALTCW. May demote the lock (CONVDEADLK)
    /// or switch its requested mode to the alternate one (then sets ALTMODE and returns `.grant`).
    mutating func evaluate(_ id: LockID, now: Bool, recover: Bool = false) -> GrantDecision {
        guard let lock = lock(id), let requested = lock.requested, let resource = resources[lock.slot] else {
            invariant(false, "evaluate of a lock without a request", dump: "id \(id)")
            return .block
        }
        if canGrant(lock, requested: requested, in: resource, now: now, recover: recover) { return .grant }
        if lock.isConversion && !lock.flags.contains(.noQueue)
            && isConversionDeadlocked(lock, requested: requested, in: resource)
        {
            guard lock.flags.contains(.convertDeadlock) else { return .deadlock }
            update(id) { lock in
                lock.granted = .nl
                lock.status.insert(.demoted)
            }
            return .demoted
        }
        let alternate: LockMode?
        if lock.flags.contains(.alternatePR) && requested != .pr {
            alternate = .pr
        } else if lock.flags.contains(.alternateCW) && requested != .cw {
            alternate = .cw
        } else {
            alternate = nil
        }
        if let alternate, canGrant(lock, requested: alternate, in: resource, now: now, recover: false) {
            update(id) { lock in
                lock.requested = alternate
                lock.status.insert(.alternateMode)
            }
            return .grant
        }
        return .block
    }

    // MARK: - Granting

    /// Grants lock `id` its requested mode: LVB step, onto the grant queue, highbast reset,
    /// completion 0.
    mutating func grantLock(_ id: LockID, effects: inout [EngineEffect]) {
        guard let lock = lock(id), let newMode = lock.requested else {
            invariant(false, "grant of a lock without a request", dump: "id \(id)")
            return
        }
        applyGrantValueBlock(id, from: lock.granted, to: newMode)
        // Like the kernel, a same-mode conversion granted in place keeps its grant-queue position;
        // everything else becomes the newest grant (only the order of basts depends on it).
        if lock.queue != .granted || lock.granted != newMode {
            resources[lock.slot]?.remove(id, from: lock.queue)
            resources[lock.slot]?.insert(id, into: .granted, atHead: false)
        }
        if lock.deadline != nil { deadlines[id] = nil }
        let completion = update(id) { lock -> Completion in
            lock.granted = newMode
            lock.requested = nil
            lock.queue = .granted
            lock.highestBlockingMode = .nl
            lock.waitingSince = nil
            lock.deadline = nil
            let valueBlock = Self.completionValueBlock(lock, newMode: newMode)
            lock.lastCompletedMode = newMode
            return Completion(
                lockID: id, owner: lock.owner, status: .granted, flags: lock.status, grantedMode: newMode,
                valueBlock: valueBlock)
        }
        emitCompletion(completion, into: &effects)
    }

    /// Emits a non-grant completion (EAGAIN, EDEADLK, ECANCEL, ETIMEDOUT, EUNLOCK) for a lock that
    /// keeps `grantedMode` (nil when it is gone).
    mutating func completeWithoutGrant(
        _ id: LockID, status: CompletionStatus, grantedMode: LockMode?, effects: inout [EngineEffect]
    ) {
        guard let lock = lock(id) else { return }
        if grantedMode != nil { update(id) { $0.lastCompletedMode = grantedMode } }
        let completion = Completion(
            lockID: id, owner: lock.owner, status: status, flags: [], grantedMode: grantedMode, valueBlock: nil)
        emitCompletion(completion, into: &effects)
    }

    // MARK: - grant_pending (§2.5)

    /// Re-evaluates the convert and wait queues of `name` after something was released, then basts
    /// the granted locks that block what is still waiting.
    mutating func grantPending(_ slot: Int32, recover: Bool = false, effects: inout [EngineEffect]) {
        guard resources[slot] != nil else { return }
        var high: LockMode?
        var cw = false
        convertPass(slot, recover: recover, high: &high, cw: &cw, effects: &effects)
        waitPass(slot, high: &high, cw: &cw, effects: &effects)
        guard let high else { return }
        blockingAfterGrantPass(slot, high: high, cw: cw, effects: &effects)
    }

    /// grant_pending for the resource called `name` (no-op when it has no locks).
    mutating func grantPending(_ name: ResourceName, recover: Bool = false, effects: inout [EngineEffect]) {
        guard let slot = resources.index[name] else { return }
        grantPending(slot, recover: recover, effects: &effects)
    }

    /// Step 1 of grant_pending: the convert queue in order, restarting after grants, and once more
    /// after a new CONVDEADLK demotion.
    mutating func convertPass(
        _ slot: Int32, recover: Bool, high: inout LockMode?, cw: inout Bool, effects: inout [EngineEffect]
    ) {
        var demoteRestartUsed = false
        while true {
            var grantRestart = false
            var demoteRestart = false
            var passHigh: LockMode?
            for id in resources[slot]?.converting ?? [] {
                guard let lock = lock(id), lock.queue == .converting, let requested = lock.requested else { continue }
                switch evaluate(id, now: false, recover: recover) {
                case .grant:
                    grantLock(id, effects: &effects)
                    grantRestart = true
                case .demoted:
                    demoteRestart = true
                case .deadlock:
                    if lock.flags.contains(.noDeadlockWait) { blockSelf(id, effects: &effects) }
                case .block:
                    passHigh = max(passHigh ?? requested, requested)
                    if requested == .cw { cw = true }
                }
            }
            if grantRestart { continue }
            if demoteRestart && !demoteRestartUsed {
                demoteRestartUsed = true
                continue
            }
            if let passHigh { high = max(high ?? passHigh, passHigh) }
            return
        }
    }

    /// Step 2 of grant_pending: one walk of the wait queue.
    private mutating func waitPass(
        _ slot: Int32, high: inout LockMode?, cw: inout Bool, effects: inout [EngineEffect]
    ) {
        for id in resources[slot]?.waiting ?? [] {
            guard let lock = lock(id), lock.queue == .waiting, let requested = lock.requested else { continue }
            if evaluate(id, now: false) == .grant {
                grantLock(id, effects: &effects)
            } else {
                high = max(high ?? requested, requested)
                if requested == .cw { cw = true }
            }
        }
    }
}
