// Tests the argument checks of spec §3.1, one parameterised case per table row (plus accepted
// neighbours), against a resource holding a granted (G), a converting (C) and a waiting (W) lock.
// A rejected call must throw the row's errno and leave the engine without effects or changes.

import DLMCore
import Testing
@testable import DLMEngine

struct LockValidationCase: Sendable, CustomTestStringConvertible {
    let label: String
    /// Lock to convert ("G", "C", "W", "none" for id 0, "unknown"); nil for a new request.
    let target: String?
    let mode: LockMode
    let flags: LockFlags
    let withBuffer: Bool
    let expected: DLMErrno?
    var testDescription: String { label }
}

struct UnlockValidationCase: Sendable, CustomTestStringConvertible {
    let label: String
    let target: String
    let flags: LockFlags
    let expected: DLMErrno?
    var testDescription: String { label }
}

@Suite struct ValidationTests {
    static let lockCases: [LockValidationCase] = [
        .init(label: "CANCEL in dlm_lock", target: nil, mode: .pr, flags: .cancel, withBuffer: false, expected: .EINVAL),
        .init(label: "QUECVT without CONVERT", target: nil, mode: .pr, flags: .queueConvert, withBuffer: false, expected: .EINVAL),
        .init(label: "CONVDEADLK without CONVERT", target: nil, mode: .pr, flags: .convertDeadlock, withBuffer: false, expected: .EINVAL),
        .init(label: "CONVDEADLK with NOQUEUE", target: "G", mode: .ex, flags: [.convertDeadlock, .noQueue], withBuffer: false, expected: .EINVAL),
        .init(label: "EXPEDITE with CONVERT", target: "G", mode: .nl, flags: .expedite, withBuffer: false, expected: .EINVAL),
        .init(label: "EXPEDITE with QUECVT", target: "G", mode: .nl, flags: [.expedite, .queueConvert], withBuffer: false, expected: .EINVAL),
        .init(label: "EXPEDITE with NOQUEUE", target: nil, mode: .nl, flags: [.expedite, .noQueue], withBuffer: false, expected: .EINVAL),
        .init(label: "EXPEDITE with mode PR", target: nil, mode: .pr, flags: .expedite, withBuffer: false, expected: .EINVAL),
        .init(label: "EXPEDITE NL accepted", target: nil, mode: .nl, flags: .expedite, withBuffer: false, expected: nil),
        .init(label: "VALBLK without buffer", target: nil, mode: .pr, flags: .valueBlock, withBuffer: false, expected: .EINVAL),
        .init(label: "VALBLK with buffer accepted", target: nil, mode: .pr, flags: .valueBlock, withBuffer: true, expected: nil),
        .init(label: "CONVERT lock id 0", target: "none", mode: .pr, flags: [], withBuffer: false, expected: .EINVAL),
        .init(label: "CONVERT unknown lock", target: "unknown", mode: .pr, flags: [], withBuffer: false, expected: .ENOENT),
        .init(label: "CONVERT waiting lock", target: "W", mode: .pr, flags: [], withBuffer: false, expected: .EBUSY),
        .init(label: "CONVERT converting lock", target: "C", mode: .pr, flags: [], withBuffer: false, expected: .EBUSY),
        .init(label: "CONVERT QUECVT invalid pair", target: "G", mode: .cr, flags: .queueConvert, withBuffer: false, expected: .EINVAL),
        .init(label: "EBUSY checked before QUECVT pair", target: "C", mode: .cr, flags: .queueConvert, withBuffer: false, expected: .EBUSY),
        .init(label: "CONVERT QUECVT valid pair accepted", target: "G", mode: .ex, flags: .queueConvert, withBuffer: false, expected: nil),
        .init(label: "unknown flag bits accepted", target: nil, mode: .pr, flags: LockFlags(rawValue: 0x0100_0000), withBuffer: false, expected: nil),
        .init(label: "NODLCKBLK accepted", target: nil, mode: .pr, flags: .noDeadlockBlock, withBuffer: false, expected: nil),
    ]

    static let unlockCases: [UnlockValidationCase] = [
        .init(label: "NOQUEUE in unlock", target: "G", flags: .noQueue, expected: .EINVAL),
        .init(label: "CONVERT in unlock", target: "G", flags: .convert, expected: .EINVAL),
        .init(label: "CANCEL|FORCEUNLOCK", target: "C", flags: [.cancel, .forceUnlock], expected: .EINVAL),
        .init(label: "unknown lock", target: "unknown", flags: [], expected: .ENOENT),
        .init(label: "unknown lock checked before flags", target: "unknown", flags: .noQueue, expected: .ENOENT),
        .init(label: "FORCEUNLOCK accepted", target: "W", flags: .forceUnlock, expected: nil),
        .init(label: "VALBLK|IVVALBLK accepted", target: "G", flags: [.valueBlock, .invalidateValueBlock], expected: nil),
        .init(label: "unlock of converting lock accepted", target: "C", flags: [], expected: nil),
    ]

    static func bench() throws -> EngineBench {
        var bench = EngineBench()
        try bench.setUp("granted G:PR | convert C:PR>EX | wait W:EX")
        return bench
    }

    static func id(_ target: String, in bench: EngineBench) -> LockID {
        switch target {
        case "none": return 0
        case "unknown": return 4242
        default: return bench.ids[target]!
        }
    }

    @Test(arguments: lockCases)
    func lockValidation(_ row: LockValidationCase) throws {
        var bench = try Self.bench()
        var flags = row.flags
        var lockID: LockID = 0
        if let target = row.target {
            flags.insert(.convert)
            lockID = Self.id(target, in: bench)
        }
        let request = LockRequest(
            owner: EngineBench.owner("N"), name: EngineBench.name("R"), mode: row.mode, flags: flags, lockID: lockID,
            valueBlock: row.withBuffer ? ValueBlock(zeroed: 32) : nil)
        let before = bench.state()
        var effects: [EngineEffect] = []
        if let expected = row.expected {
            #expect(throws: expected) { try bench.engine.lock(request, now: .zero, effects: &effects) }
            #expect(effects.isEmpty)
            #expect(bench.state() == before)
        } else {
            let (_, outcome) = try bench.engine.lock(request, now: .zero, effects: &effects)
            #expect(outcome == .completionFollows)
        }
        bench.engine.checkInvariants()
    }

    @Test(arguments: unlockCases)
    func unlockValidation(_ row: UnlockValidationCase) throws {
        var bench = try Self.bench()
        let before = bench.state()
        var effects: [EngineEffect] = []
        let id = Self.id(row.target, in: bench)
        if let expected = row.expected {
            #expect(throws: expected) {
                try bench.engine.unlock(lockID: id, flags: row.flags, valueBlock: nil, now: .zero, effects: &effects)
            }
            #expect(effects.isEmpty)
            #expect(bench.state() == before)
        } else {
            let outcome = try bench.engine.unlock(lockID: id, flags: row.flags, valueBlock: nil, now: .zero, effects: &effects)
            #expect(outcome == .completionFollows)
            #expect(effects.first.map { if case .completion(let c) = $0 { c.status == .unlocked } else { false } } == true)
        }
        bench.engine.checkInvariants()
    }

    @Test func deadlockCancelValidation() throws {
        var bench = try Self.bench()
        var effects: [EngineEffect] = []
        #expect(throws: DLMErrno.ENOENT) { try bench.engine.deadlockCancel(lockID: 4242, now: .zero, effects: &effects) }
        #expect(try bench.engine.deadlockCancel(lockID: bench.ids["G"]!, now: .zero, effects: &effects) == .noCompletion)
        #expect(try bench.engine.deadlockCancel(lockID: bench.ids["C"]!, now: .zero, effects: &effects) == .completionFollows)
        bench.record(effects)
        #expect(bench.take().first == "C ast EDEADLK PR")
        #expect(throws: DLMErrno.EINVAL) { try bench.engine.deadlockCancel(lockID: bench.ids["C"]!, now: .zero, effects: &effects) }
    }
}

@Suite struct LockLimitTests {
    @Test func newLocksBeyondTheBoundAreENOMEM() throws {
        var engine = LockEngine(valueBlockLength: 32, lockCountMax: 2)
        var effects: [EngineEffect] = []
        let owner = EngineBench.owner("A")
        let first = try engine.lock(LockRequest(owner: owner, name: EngineBench.name("R"), mode: .nl), now: .zero, effects: &effects)
        _ = try engine.lock(LockRequest(owner: owner, name: EngineBench.name("S"), mode: .nl), now: .zero, effects: &effects)
        #expect(throws: DLMErrno.ENOMEM) {
            try engine.lock(LockRequest(owner: owner, name: EngineBench.name("T"), mode: .nl), now: .zero, effects: &effects)
        }
        // Conversions still work at the bound.
        let convert = LockRequest(owner: owner, name: EngineBench.name("R"), mode: .ex, flags: .convert, lockID: first.lockID)
        _ = try engine.lock(convert, now: .zero, effects: &effects)
        #expect(effects.count == 3)
        #expect(LockEngine().lockCountMax == Limits.locksPerLockspaceMax)
    }
}
