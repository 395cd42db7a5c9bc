// dlmd — DLMSimulation: simulated client programs: random lock/convert/unlock/cancel calls on a few
// hot resources with all modes and common flags, holding locks for random times, then a drain.

import DLMCore
import DLMEngine
import DLMNode

extension SimulationWorld {
    var nowInstant: MonotonicInstant { MonotonicInstant(nanoseconds: now) }

    /// Delivers a callback to the client that owns it and tells the checker.
    mutating func deliver(_ effect: EngineEffect, node: Int) {
        if options.trace { print("\(now / 1000)us deliver@\(node + 1) \(effect)") }
        guard case .completion(let completion) = effect else { return }
        var reported = completion.grantedMode
        if options.corruptOneGrant && !corrupted && completion.status == .granted,
            let mode = completion.grantedMode, mode != .ex,
            let resource = clients.first(where: { $0.handle == completion.owner.handle })?.locks[completion.lockID]?.resource,
            checker.otherHolders(resource, except: NodeID(node + 1), completion.lockID) > 0
        {
            corrupted = true
            reported = .ex
        }
        // A node outside a quorate view (or recovering) grants nothing.
        if completion.status == .granted && !nodes[node].isRunning {
            checker.fail("grant delivered on node \(node + 1) while its lockspace is not running (gen \(nodes[node].generation))")
        }
        checker.completed(node: NodeID(node + 1), completion, reportedMode: reported)
        if let index = clients.firstIndex(where: { $0.node == NodeID(node + 1) && $0.handle == completion.owner.handle }) {
            clients[index].apply(completion)
        }
    }

    mutating func clientStep(_ index: Int) {
        if stepsIssued < options.steps {
            stepsIssued += 1
            randomAction(index)
            if rng.chance(options.linkDropPercent) && options.nodeCount > 1 {
                let a = Int.random(in: 0..<options.nodeCount, using: &rng)
                let b = (a + Int.random(in: 1..<options.nodeCount, using: &rng)) % options.nodeCount
                dropLink(a, b)
            }
        } else {
            drain(index)
            if clients[index].locks.isEmpty { return }
        }
        var think = UInt64.random(in: 1...options.clientThinkMicrosecondsMax, using: &rng) * 1000
        // Now and then a client holds everything for long enough to expire LKF_TIMEOUT waits.
        if rng.chance(3) { think += UInt64.random(in: 15_000...30_000, using: &rng) * 1000 }
        queue.push(.clientStep(index), at: now + think)
    }

    /// Calls node `client.node`; records errors. The caller carries out the returned directives
    /// after registering the call, so completions delivered inside the call find it.
    private mutating func call<R>(
        _ index: Int, _ body: (inout DLMNode, inout [NodeDirective]) throws(DLMErrno) -> R
    ) -> (R?, [NodeDirective]) {
        let node = Int(clients[index].node) - 1
        var directives: [NodeDirective] = []
        do {
            let result = try body(&nodes[node], &directives)
            if options.trace { print("\(now / 1000)us call@\(node + 1) -> \(result)") }
            return (result, directives)
        } catch {
            report.callErrors[error.rawValue, default: 0] += 1
            if options.trace { print("\(now / 1000)us call@\(node + 1) -> \(error)") }
            return (nil, directives)
        }
    }

    private mutating func finish(_ index: Int, _ directives: [NodeDirective]) {
        carryOut(directives, node: Int(clients[index].node) - 1)
    }

    private mutating func randomAction(_ index: Int) {
        if rng.chance(1) { return closeAndReopen(index) }
        let client = clients[index]
        if client.locks.isEmpty || (client.locks.count < options.locksPerClientMax && rng.chance(40)) {
            return newLock(index)
        }
        let ids = client.locks.keys.sorted()
        let id = ids[Int.random(in: 0..<ids.count, using: &rng)]
        let lock = client.locks[id]!
        if lock.unlocking { return }
        if lock.pending && lock.timed { return }
        if lock.pending {
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < 30 {
                unlock(index, id, flags: .cancel)
            } else if roll < 38 {
                deadlockCancel(index, id)
            } else if roll < 48 {
                unlock(index, id, flags: .forceUnlock)
            }
            return
        }
        let roll = Int.random(in: 0..<100, using: &rng)
        if roll < 45 {
            convert(index, id)
        } else if roll < 92 {
            unlock(index, id, flags: rng.chance(30) ? .valueBlock : [])
        } else {
            unlock(index, id, flags: .cancel)
        }
    }

    private mutating func randomMode() -> LockMode { LockMode.allCases.randomElement(using: &rng)! }

    private mutating func newLock(_ index: Int) {
        let resource = resources[Int.random(in: 0..<resources.count, using: &rng)]
        let mode = randomMode()
        var flags: LockFlags = []
        if rng.chance(20) { flags.insert(.noQueue) }
        if rng.chance(30) { flags.insert(.valueBlock) }
        if rng.chance(10) { flags.insert(.noOrder) }
        if rng.chance(10) && mode != .pr { flags.insert(.alternatePR) }
        if rng.chance(10) { flags.insert(.headQueue) }
        if mode == .nl && flags.isDisjoint(with: .noQueue) && rng.chance(20) { flags.insert(.expedite) }
        var timeout: UInt32 = 0
        if rng.chance(options.timeoutPercent) {
            flags.insert(.timeout)
            timeout = UInt32.random(in: 1...3, using: &rng)
        }
        let block = clients[index].nextValueBlock(length: Limits.valueBlockBytesDefault)
        let client = clients[index]
        let request = LockRequest(
            owner: LockOwner(node: client.node, pid: client.pid, handle: client.handle), name: resource, mode: mode,
            flags: flags, valueBlock: block, wantsBlockingCallbacks: rng.chance(80), timeoutCentiseconds: timeout)
        if options.trace { print("\(now / 1000)us lock@\(client.node) h\(client.handle) \(resource) \(mode) \(flags)") }
        let ls = lockspace
        let now = nowInstant
        let (result, directives) = call(index, { (node, out) throws(DLMErrno) in
            try node.lock(lockspace: ls, request, now: now, directives: &out)
        })
        if flags.contains(.valueBlock) { checker.valueBlockSent(block, resource: resource) }
        if let (id, outcome) = result, outcome == .completionFollows {
            checker.requested(node: client.node, lockID: id, handle: client.handle, resource: resource, isConvert: false)
            clients[index].locks[id] = ClientLock(resource: resource, granted: nil, pending: true)
            clients[index].locks[id]?.timed = flags.contains(.timeout)
        }
        finish(index, directives)
    }

    private mutating func convert(_ index: Int, _ id: LockID) {
        let mode = randomMode()
        var flags: LockFlags = [.convert]
        if rng.chance(20) { flags.insert(.convertDeadlock) }
        if rng.chance(20) { flags.insert(.queueConvert) }
        if rng.chance(15) && !flags.contains(.convertDeadlock) { flags.insert(.noQueue) }
        if rng.chance(30) { flags.insert(.valueBlock) }
        if rng.chance(10) { flags.insert(.headQueue) }
        if rng.chance(10) && mode != .pr { flags.insert(.alternatePR) }
        let client = clients[index]
        let request = LockRequest(
            owner: LockOwner(node: client.node, pid: client.pid, handle: client.handle), name: client.locks[id]!.resource,
            mode: mode, flags: flags, lockID: id, valueBlock: clients[index].nextValueBlock(length: Limits.valueBlockBytesDefault))
        if options.trace { print("\(self.now / 1000)us convert@\(client.node) id \(id) \(mode) \(flags)") }
        let ls = lockspace
        let now = nowInstant
        if flags.contains(.valueBlock), let block = request.valueBlock { checker.valueBlockSent(block, resource: request.name) }
        // A down-conversion may complete inside the call: mark the request before delivering.
        clients[index].locks[id]?.pending = true
        checker.requested(node: client.node, lockID: id, handle: client.handle, resource: request.name, isConvert: true,
                          targets: [mode] + (flags.contains(.alternatePR) ? [.pr] : []),
                          mayDemote: flags.contains(.convertDeadlock))
        let (result, directives) = call(index, { (node, out) throws(DLMErrno) in
            try node.lock(lockspace: ls, request, now: now, directives: &out)
        })
        if result == nil {
            clients[index].locks[id]?.pending = false
            checker.withdrawRequest(node: client.node, lockID: id)
        }
        finish(index, directives)
    }

    private mutating func unlock(_ index: Int, _ id: LockID, flags: LockFlags) {
        let client = clients[index]
        let ls = lockspace
        let now = nowInstant
        let block = flags.contains(.valueBlock) ? clients[index].nextValueBlock(length: Limits.valueBlockBytesDefault) : nil
        let releasing = !flags.contains(.cancel)
        if let block, let resource = client.locks[id]?.resource { checker.valueBlockSent(block, resource: resource) }
        if options.trace { print("\(self.now / 1000)us unlock@\(client.node) id \(id) \(flags)") }
        if releasing {
            clients[index].locks[id]?.unlocking = true
            checker.released(node: client.node, lockID: id)
        }
        let (outcome, directives) = call(index, { (node, out) throws(DLMErrno) in
            try node.unlock(lockspace: ls, lockID: id, flags: flags, valueBlock: block, now: now, directives: &out)
        })
        if outcome == nil && releasing {
            clients[index].locks[id]?.unlocking = false
            checker.unreleased(node: client.node, lockID: id, mode: clients[index].locks[id]?.granted)
        }
        if outcome != nil && !releasing { clients[index].locks[id]?.cancelled = true }
        finish(index, directives)
    }

    private mutating func deadlockCancel(_ index: Int, _ id: LockID) {
        let ls = lockspace
        let now = nowInstant
        let (outcome, directives) = call(index, { (node, out) throws(DLMErrno) in
            try node.deadlockCancel(lockspace: ls, lockID: id, now: now, directives: &out)
        })
        if outcome != nil { clients[index].locks[id]?.cancelled = true }
        finish(index, directives)
    }

    private mutating func closeAndReopen(_ index: Int) {
        let client = clients[index]
        let node = Int(client.node) - 1
        checker.closed(node: client.node, handle: client.handle)
        var directives: [NodeDirective] = []
        nodes[node].closeHandle(lockspace: lockspace, handle: client.handle, now: nowInstant, directives: &directives)
        clients[index].locks = [:]
        clients[index].handle = nextHandle
        nextHandle += 1
        carryOut(directives, node: node)
    }

    /// After the active phase: cancel what is pending, unlock what is granted.
    private mutating func drain(_ index: Int) {
        for id in clients[index].locks.keys.sorted() {
            guard let lock = clients[index].locks[id], !lock.unlocking else { continue }
            if lock.pending {
                if !lock.cancelled { unlock(index, id, flags: .cancel) }
            } else {
                unlock(index, id, flags: [])
            }
        }
    }
}
