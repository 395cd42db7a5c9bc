// Seeded randomized test of LockEngine: thousands of random operation sequences (4 owners, 3
// resources, all modes, random flags incl. NOQUEUE/NOQUEUEBAST/CONVDEADLK/QUECVT/HEADQUE/NOORDER/
// ALTPR/ALTCW/VALBLK/IVVALBLK/PERSISTENT/NODLCKWT/TIMEOUT, unlock, cancel, deadlock-cancel, close,
// purge, adoption, time passing). After every step: checkInvariants(), and EngineModel's independent
// checks (one completion per operation, no lost/duplicated locks, lowest-free ids, pairwise
// compatible grants, LVB/VALNOTVALID per §1.4/§6). A failure records "seed=…" to replay the run.

import DLMCore
import Testing
@testable import DLMEngine

@Suite struct RandomizedEngineTests {
    static let firstSeed: UInt64 = 0xD1A5_EED0_0000
    static let sequences = 1500
    static let stepsPerSequence = 60

    @Test func randomOperationSequences() {
        var tally: [String: Int] = [:]
        for index in 0..<Self.sequences {
            let seed = Self.firstSeed &+ UInt64(index)
            var run = RandomRun(seed: seed)
            if let failure = run.execute(steps: Self.stepsPerSequence) {
                Issue.record("seed=\(seed) \(failure)")
                return
            }
            tally.merge(run.model.tally, uniquingKeysWith: +)
        }
        // The generator must reach every kind of outcome, or the checks above prove little.
        for kind in ["0", "EAGAIN", "EDEADLK", "ETIMEDOUT", "ECANCEL", "EUNLOCK", "DEMOTED", "ALTMODE", "VALNOTVALID", "LVB", "bast"] {
            #expect(tally[kind, default: 0] > 0, "never saw \(kind): \(tally)")
        }
    }
}

/// One seeded run: engine, model and the random choices.
struct RandomRun {
    static let names = ["r0", "r1", "r2"].map { try! ResourceName($0) }
    static let handles: [UInt64] = [1, 2, 3, 4]

    var rng: SplitMix64
    var engine = LockEngine()
    var model = EngineModel()
    var now = MonotonicInstant.zero
    /// Prints every step (for replaying a failing seed by hand).
    var trace = false

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    mutating func mode() -> LockMode { pick(LockMode.allCases) }
    mutating func block() -> ValueBlock { ValueBlock(bytes: [UInt8(truncatingIfNeeded: rng.next()), 1], length: 32) }
    mutating func flags(_ table: [(LockFlags, UInt64)]) -> LockFlags {
        var flags: LockFlags = []
        for (flag, percent) in table where chance(percent) { flags.insert(flag) }
        return flags
    }

    static func owner(_ handle: UInt64) -> LockOwner { LockOwner(node: 1, pid: 100 + UInt32(handle), handle: handle) }

    /// Runs `steps` random steps, then releases everything; returns the first failure.
    mutating func execute(steps: Int) -> String? {
        for step in 0..<steps {
            var effects: [EngineEffect] = []
            var closed: UInt64?
            let (label, early) = randomStep(effects: &effects, closed: &closed)
            if trace {
                print("step \(step) \(label) effects \(effects)")
                for name in engine.resourceNames() { print("  " + engine.dump(name)) }
            }
            engine.checkInvariants()
            var problems = early
            problems += model.apply(effects, closedHandle: closed)
            problems += model.compare(with: engine)
            if !problems.isEmpty { return "step \(step) \(label): \(problems)" }
        }
        return drain()
    }

    private mutating func randomStep(effects: inout [EngineEffect], closed: inout UInt64?) -> (String, [String]) {
        switch rng.next() % 100 {
        case 0..<35: return ("request", newRequest(&effects))
        case 35..<55: return ("convert", convert(&effects))
        case 55..<72: return ("unlock", unlock(&effects))
        case 72..<82: return ("cancel", cancel(&effects))
        case 82..<86:
            let handle = pick(Self.handles)
            closed = handle
            return ("close \(handle)", close(handle, &effects))
        case 86..<93:
            now = MonotonicInstant(nanoseconds: now.nanoseconds + (rng.next() % 30) * 10_000_000)
            engine.expireTimeouts(now: now, effects: &effects)
            return ("expire", [])
        case 93..<96: return ("purge orphans", purgeOrphans(&effects))
        default: return ("adopt", adopt(&effects))
        }
    }

    private mutating func newRequest(_ effects: inout [EngineEffect]) -> [String] {
        let handle = pick(Self.handles)
        let name = pick(Self.names)
        let mode = mode()
        var flags = flags([
            (.noQueue, 15), (.headQueue, 10), (.noOrder, 10), (.alternatePR, 8), (.alternateCW, 8),
            (.valueBlock, 40), (.persistent, 15), (.timeout, 10), (.invalidateValueBlock, 5),
        ])
        if flags.contains(.noQueue) && chance(50) { flags.insert(.noQueueBlockingCallback) }
        if mode == .nl && chance(10) { flags.insert(.expedite); flags.remove(.noQueue) }
        let invalid = chance(3)
        if invalid { flags.insert(.convertDeadlock) }
        let lvb = flags.contains(.valueBlock) || chance(25) ? block() : nil
        let request = LockRequest(
            owner: Self.owner(handle), name: name, mode: mode, flags: flags, valueBlock: lvb,
            timeoutCentiseconds: UInt32(rng.next() % 50 + 1))
        let expectedID = model.lowestFreeID
        do {
            let (id, outcome) = try engine.lock(request, now: now, effects: &effects)
            if invalid { return ["invalid request accepted"] }
            model.locks[id] = ModelLock(
                handle: handle, pid: 100 + UInt32(handle), resource: name, granted: nil, lastCompleted: nil,
                flags: flags, buffer: flags.contains(.valueBlock) ? lvb : nil, pending: 1)
            var problems: [String] = []
            if id != expectedID { problems.append("got id \(id), lowest free is \(expectedID)") }
            if outcome != .completionFollows { problems.append("request outcome \(outcome)") }
            return problems
        } catch {
            return invalid && effects.isEmpty && error == .EINVAL ? [] : ["request threw \(error)"]
        }
    }

    /// A live lock with an owner (orphans are unreachable by lock id for clients).
    private mutating func ownedLock() -> LockID? {
        let ids = model.locks.filter { $0.value.handle != 0 }.keys.sorted()
        return ids.isEmpty ? nil : pick(ids)
    }

    private mutating func convert(_ effects: inout [EngineEffect]) -> [String] {
        let unknown = chance(3)
        guard let id = unknown ? 9999 : ownedLock() else { return [] }
        let mode = mode()
        let flags = flags([
            (.noQueue, 15), (.convertDeadlock, 15), (.queueConvert, 10), (.headQueue, 10), (.noOrder, 10),
            (.alternatePR, 8), (.alternateCW, 8), (.valueBlock, 40), (.noDeadlockWait, 10), (.timeout, 10),
            (.invalidateValueBlock, 8), (.persistent, 15),
        ]).union(.convert)
        let lvb = flags.contains(.valueBlock) ? block() : nil
        let snapshot = engine.lockSnapshot(id)
        var expected: DLMErrno?
        if flags.contains(.convertDeadlock) && flags.contains(.noQueue) {
            expected = .EINVAL
        } else if snapshot == nil {
            expected = .ENOENT
        } else if snapshot!.queue != .granted {
            expected = .EBUSY
        } else if flags.contains(.queueConvert) && !LockMode.isQueueConvertValid(from: snapshot!.grantedMode!, to: mode) {
            expected = .EINVAL
        }
        let owner = snapshot?.owner ?? Self.owner(1)
        let request = LockRequest(
            owner: owner, name: Self.names[0], mode: mode, flags: flags, lockID: id, valueBlock: lvb,
            timeoutCentiseconds: UInt32(rng.next() % 50 + 1))
        do {
            _ = try engine.lock(request, now: now, effects: &effects)
            if let expected { return ["conversion accepted, expected \(expected)"] }
            model.locks[id]!.flags = flags
            model.locks[id]!.cancelUsed = false
            model.locks[id]!.pending += 1
            if let lvb { model.locks[id]!.buffer = lvb }
            return []
        } catch {
            return error == expected && effects.isEmpty ? [] : ["conversion threw \(error), expected \(String(describing: expected))"]
        }
    }

    private mutating func unlock(_ effects: inout [EngineEffect]) -> [String] {
        guard let id = ownedLock() else { return [] }
        let flags = flags([(.valueBlock, 30), (.invalidateValueBlock, 15), (.forceUnlock, 20)])
        let lvb = chance(50) ? block() : nil
        var problems = model.syncDemotion(id, engine: engine)
        model.locks[id]!.flags.formUnion(flags)
        if let lvb { model.locks[id]!.buffer = lvb }
        model.locks[id]!.pending = 1
        do {
            let outcome = try engine.unlock(lockID: id, flags: flags, valueBlock: lvb, now: now, effects: &effects)
            if outcome != .completionFollows { problems.append("unlock outcome \(outcome)") }
        } catch {
            problems.append("unlock threw \(error)")
        }
        return problems
    }

    private mutating func cancel(_ effects: inout [EngineEffect]) -> [String] {
        guard let id = ownedLock() else { return [] }
        var problems = model.syncDemotion(id, engine: engine)
        let queue = engine.lockSnapshot(id)?.queue
        let deadlockCancel = chance(20)
        let used = model.locks[id]!.cancelUsed
        model.locks[id]!.cancelUsed = true
        do {
            let outcome = deadlockCancel
                ? try engine.deadlockCancel(lockID: id, now: now, effects: &effects)
                : try engine.unlock(lockID: id, flags: .cancel, valueBlock: nil, now: now, effects: &effects)
            if used { problems.append("second cancel accepted") }
            let expected: OperationOutcome = queue == .granted ? .noCompletion : .completionFollows
            if outcome != expected { problems.append("cancel outcome \(outcome) on \(String(describing: queue))") }
            if deadlockCancel, case .completion(let c)? = effects.first, c.status != .deadlock {
                problems.append("deadlock cancel completed with \(c.status)")
            }
        } catch {
            if !(used && error == .EINVAL) { problems.append("cancel threw \(error)") }
        }
        return problems
    }

    private mutating func close(_ handle: UInt64, _ effects: inout [EngineEffect]) -> [String] {
        var problems: [String] = []
        for id in model.locks.filter({ $0.value.handle == handle }).keys.sorted() {
            problems += model.syncDemotion(id, engine: engine)
            let queue = engine.lockSnapshot(id)?.queue
            guard var lock = model.locks[id] else { continue }
            if lock.flags.contains(.persistent) {
                if queue == .waiting {
                    model.locks[id] = nil
                } else {
                    lock.handle = 0
                    lock.pending = 0
                    model.locks[id] = lock
                }
            } else {
                model.forceRemove(id)
            }
        }
        engine.closeHandle(handle, now: now, effects: &effects)
        return problems
    }

    private mutating func purgeOrphans(_ effects: inout [EngineEffect]) -> [String] {
        let pid: UInt32 = chance(30) ? 0 : 100 + UInt32(pick(Self.handles))
        let victims = model.locks.filter { $0.value.handle == 0 && (pid == 0 || $0.value.pid == pid) }.keys.sorted()
        for id in victims { model.forceRemove(id) }
        let released = engine.purgeOrphans(pid: pid, now: now, effects: &effects)
        return released == victims.count ? [] : ["purged \(released), expected \(victims.count)"]
    }

    private mutating func adopt(_ effects: inout [EngineEffect]) -> [String] {
        let handle = pick(Self.handles)
        let name = pick(Self.names)
        let mode = mode()
        let flags = flags([(.valueBlock, 40), (.persistent, 50)]).union(.orphan)
        let lvb = flags.contains(.valueBlock) ? block() : nil
        let orphans = model.locks.filter { $0.value.handle == 0 && $0.value.resource == name }
        let match = orphans.filter { $0.value.granted == mode }.keys.min()
        let request = LockRequest(owner: Self.owner(handle), name: name, mode: mode, flags: flags, valueBlock: lvb)
        do {
            let (id, outcome) = try engine.lock(request, now: now, effects: &effects)
            guard id == match, outcome == .noCompletion, effects.isEmpty else { return ["adopted \(id), expected \(String(describing: match))"] }
            model.locks[id]!.handle = handle
            model.locks[id]!.pid = 100 + UInt32(handle)
            model.locks[id]!.flags = flags
            model.locks[id]!.cancelUsed = false
            if let lvb { model.locks[id]!.buffer = lvb }
            return []
        } catch {
            let expected: DLMErrno = orphans.isEmpty ? .ENOENT : .EAGAIN
            return match == nil && error == expected ? [] : ["adoption threw \(error)"]
        }
    }

    /// Releases everything: every owned lock unlocked, every orphan purged; nothing may remain.
    private mutating func drain() -> String? {
        while let id = model.locks.filter({ $0.value.handle != 0 }).keys.min() {
            var effects: [EngineEffect] = []
            var problems = model.syncDemotion(id, engine: engine)
            model.locks[id]!.pending = 1
            do {
                _ = try engine.unlock(lockID: id, flags: [], valueBlock: nil, now: now, effects: &effects)
            } catch {
                problems.append("drain unlock threw \(error)")
            }
            problems += model.apply(effects, closedHandle: nil)
            problems += model.compare(with: engine)
            if !problems.isEmpty { return "drain: \(problems)" }
        }
        var effects: [EngineEffect] = []
        for id in model.locks.keys { model.forceRemove(id) }
        engine.purgeOrphans(pid: 0, now: now, effects: &effects)
        engine.checkInvariants()
        if !effects.isEmpty || engine.lockCount != 0 || engine.resourceCount != 0 || engine.nextTimeoutDeadline != nil {
            return "drain left \(engine.lockCount) locks, \(engine.resourceCount) resources, \(effects.count) effects"
        }
        return nil
    }
}
