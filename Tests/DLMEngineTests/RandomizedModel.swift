// Test helper (no tests here): an independent model of what one LockEngine must look like from the
// outside, used by RandomizedEngineTests. It tracks each live lock's owner, granted mode, flags, LVB
// buffer and outstanding operations, and each resource's LVB (value, sequence, invalid mark), and
// applies spec §1.4/§6 to every completion on its own tables. Violations are returned as strings.

import DLMCore
@testable import DLMEngine

/// A deterministic SplitMix64 generator (printable seeds, no global state).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct ModelLock {
    var handle: UInt64
    var pid: UInt32
    var cancelUsed = false
    var resource: ResourceName
    var granted: LockMode?
    var lastCompleted: LockMode?
    var flags: LockFlags
    var buffer: ValueBlock?
    /// Completions still owed (0 or 1 on a synchronous master).
    var pending: Int
}

struct ModelValueBlock: Equatable {
    var value: ValueBlock?
    var sequence: UInt32 = 0
    var invalid = false
}

struct EngineModel {
    static let length = Limits.valueBlockBytesDefault
    // Rows IV, NL..EX; columns NL..EX (spec §1.4), independent of DLMCore's table.
    static let table = ["RRRRRR", "RRRRRR", "-RRRRR", "--RRRR", "---RRR", "WWWWWR", "WWWWWW"]

    var locks: [LockID: ModelLock] = [:]
    var valueBlocks: [ResourceName: ModelValueBlock] = [:]
    /// How often each kind of effect was seen (to prove the generator reaches every path).
    var tally: [String: Int] = [:]
    /// Basts this step whose mode is compatible with the recipient's granted mode: only a waiting
    /// conversion's NODLCKWT self-bast may be one.
    var compatibleBasts: [LockID] = []

    static func cell(_ from: LockMode?, _ to: LockMode) -> Character {
        Array(table[from.map { Int($0.rawValue) + 1 } ?? 0])[Int(to.rawValue)]
    }

    /// The id a new lock must get: the lowest one not in use.
    var lowestFreeID: LockID {
        var id: LockID = 1
        while locks[id] != nil { id += 1 }
        return id
    }

    /// The granted mode the engine reports, accepting a CONVDEADLK demotion the model cannot see.
    mutating func syncDemotion(_ id: LockID, engine: LockEngine) -> [String] {
        guard let snapshot = engine.lockSnapshot(id), var lock = locks[id] else { return [] }
        if snapshot.grantedMode == lock.granted { return [] }
        if snapshot.queue == .converting && snapshot.grantedMode == .nl {
            lock.granted = .nl
            locks[id] = lock
            return []
        }
        return ["lock \(id) granted \(String(describing: snapshot.grantedMode)) but model has \(String(describing: lock.granted))"]
    }

    /// Applies one step's effects in order; `closedHandle` must see none.
    mutating func apply(_ effects: [EngineEffect], closedHandle: UInt64?) -> [String] {
        var problems: [String] = []
        for effect in effects {
            switch effect {
            case .completion(let completion):
                tally["\(completion.status)", default: 0] += 1
                if completion.flags.contains(.demoted) { tally["DEMOTED", default: 0] += 1 }
                if completion.flags.contains(.alternateMode) { tally["ALTMODE", default: 0] += 1 }
                if completion.flags.contains(.valueNotValid) { tally["VALNOTVALID", default: 0] += 1 }
                if completion.valueBlock != nil { tally["LVB", default: 0] += 1 }
                problems += complete(completion, closedHandle: closedHandle)
            case .blocking(let notice):
                tally["bast", default: 0] += 1
                guard let lock = locks[notice.lockID] else {
                    problems.append("bast for unknown lock \(notice.lockID)")
                    continue
                }
                if notice.owner.handle == 0 || notice.owner.handle == closedHandle || lock.handle != notice.owner.handle {
                    problems.append("bast to orphan/closed/wrong owner \(notice.lockID)")
                }
                guard let held = lock.granted else {
                    problems.append("bast to a lock without a granted mode \(notice.lockID)")
                    continue
                }
                if held.isCompatible(with: notice.mode) { compatibleBasts.append(notice.lockID) }
            }
        }
        return problems
    }

    private mutating func complete(_ completion: Completion, closedHandle: UInt64?) -> [String] {
        let id = completion.lockID
        guard var lock = locks[id] else { return ["completion for unknown lock \(id) \(completion.status)"] }
        if completion.owner.handle == 0 || completion.owner.handle == closedHandle || completion.owner.handle != lock.handle {
            return ["completion to orphan/closed/wrong owner \(id)"]
        }
        guard lock.pending > 0 else { return ["unexpected completion \(completion.status) for \(id)"] }
        lock.pending -= 1
        var problems: [String] = []
        switch completion.status {
        case .granted:
            guard let mode = completion.grantedMode else { return ["grant without mode \(id)"] }
            problems += grantStep(&lock, to: mode, completion: completion)
        case .unlocked:
            problems += unlockStep(lock)
        default:
            if completion.valueBlock != nil || !completion.flags.isEmpty { problems.append("failed completion carries LVB/flags \(id)") }
            if let mode = completion.grantedMode {
                lock.granted = mode
                lock.lastCompleted = mode
            }
        }
        if completion.grantedMode == nil && completion.status != .granted {
            locks[id] = nil
        } else {
            locks[id] = lock
        }
        return problems
    }

    private mutating func grantStep(_ lock: inout ModelLock, to mode: LockMode, completion: Completion) -> [String] {
        var resource = valueBlocks[lock.resource] ?? ModelValueBlock()
        let before = completion.flags.contains(.demoted) ? LockMode.nl : lock.granted
        let hasBlock = lock.flags.contains(.valueBlock) && lock.buffer != nil
        var expectNotValid = false
        switch Self.cell(before, mode) {
        case "R":
            if hasBlock {
                if let value = resource.value {
                    lock.buffer = value
                    expectNotValid = resource.invalid
                } else {
                    lock.buffer = ValueBlock(zeroed: Self.length)
                }
            }
        case "W":
            if lock.flags.contains(.invalidateValueBlock) {
                resource.invalid = true
            } else if hasBlock {
                resource.value = lock.buffer
                resource.sequence &+= 1
                resource.invalid = false
            }
        default:
            expectNotValid = resource.invalid
        }
        valueBlocks[lock.resource] = resource
        var problems: [String] = []
        if completion.flags.contains(.valueNotValid) != expectNotValid {
            problems.append("VALNOTVALID \(completion.flags.contains(.valueNotValid)) expected \(expectNotValid) for \(completion.lockID) \(String(describing: before))>\(mode)")
        }
        let copies = hasBlock && Self.cell(lock.lastCompleted, mode) != "W"
        if completion.valueBlock != (copies ? lock.buffer : nil) {
            problems.append("completion LVB wrong for \(completion.lockID) \(String(describing: lock.lastCompleted))>\(mode)")
        }
        lock.granted = mode
        lock.lastCompleted = mode
        return problems
    }

    private mutating func unlockStep(_ lock: ModelLock) -> [String] {
        guard let held = lock.granted, held >= .pw else { return [] }
        var resource = valueBlocks[lock.resource] ?? ModelValueBlock()
        if lock.flags.contains(.invalidateValueBlock) {
            resource.invalid = true
        } else if lock.flags.contains(.valueBlock), let buffer = lock.buffer {
            resource.value = buffer
            resource.sequence &+= 1
            resource.invalid = false
        }
        valueBlocks[lock.resource] = resource
        return []
    }

    /// A lock removed without completion (close, purge): IVVALBLK from PW/EX invalidates.
    mutating func forceRemove(_ id: LockID) {
        guard let lock = locks.removeValue(forKey: id) else { return }
        if let held = lock.granted, held >= .pw { valueBlocks[lock.resource, default: ModelValueBlock()].invalid = true }
    }

    /// End-of-step comparison of every live lock and every resource LVB with the engine.
    mutating func compare(with engine: LockEngine) -> [String] {
        var problems: [String] = []
        for id in compatibleBasts where engine.lockSnapshot(id)?.queue != .converting {
            problems.append("bast compatible with granted mode of \(id)")
        }
        compatibleBasts = []
        for (id, lock) in locks {
            guard let snapshot = engine.lockSnapshot(id) else {
                problems.append("model lock \(id) missing in engine")
                continue
            }
            let expectedPending = snapshot.queue == .granted ? 0 : 1
            if lock.pending != expectedPending { problems.append("lock \(id) on \(snapshot.queue) owes \(lock.pending) completions") }
            if snapshot.owner.handle != lock.handle { problems.append("lock \(id) owner differs") }
            if snapshot.queue == .granted && snapshot.grantedMode != lock.granted {
                problems.append("lock \(id) granted \(String(describing: snapshot.grantedMode)) model \(String(describing: lock.granted))")
            }
        }
        if engine.lockCount != locks.count { problems.append("engine has \(engine.lockCount) locks, model \(locks.count)") }
        let used = Set(locks.values.map(\.resource))
        valueBlocks = valueBlocks.filter { used.contains($0.key) }
        if Set(engine.resourceNames()) != used { problems.append("resource sets differ") }
        for name in used {
            let model = valueBlocks[name] ?? ModelValueBlock()
            guard let snapshot = engine.resourceSnapshot(name) else { continue }
            let actual = ModelValueBlock(value: snapshot.valueBlock, sequence: snapshot.valueBlockSequence, invalid: snapshot.valueBlockInvalid)
            if actual != model { problems.append("LVB of \(name) is \(actual) model \(model)") }
            problems += Self.compatibility(snapshot)
            problems += Self.noGrantableHead(snapshot)
        }
        return problems
    }

    /// Liveness after every call: the head of the convert queue (or, when that is empty, of the wait
    /// queue) is never left queued while compatible with every other lock's granted mode (rules 8, 10).
    /// A HEADQUE lock is exempt: it is put at the head without a grant pass (rule 9 / rule 6).
    static func noGrantableHead(_ snapshot: ResourceSnapshot) -> [String] {
        guard let head = snapshot.converting.first ?? snapshot.waiting.first, let wanted = head.requestedMode,
            !head.flags.contains(.headQueue)
        else { return [] }
        let others = (snapshot.granted + snapshot.converting).filter { $0.lockID != head.lockID }.compactMap(\.grantedMode)
        return others.allSatisfy { $0.isCompatible(with: wanted) } ? ["grantable head \(head.lockID) left queued on \(snapshot.name)"] : []
    }

    /// Granted modes of grant- and convert-queue locks pairwise compatible (checked independently).
    static func compatibility(_ snapshot: ResourceSnapshot) -> [String] {
        let held = (snapshot.granted + snapshot.converting).compactMap(\.grantedMode)
        for (i, a) in held.enumerated() {
            for b in held[(i + 1)...] where !a.isCompatible(with: b) {
                return ["incompatible \(a) and \(b) granted on \(snapshot.name)"]
            }
        }
        return []
    }
}
