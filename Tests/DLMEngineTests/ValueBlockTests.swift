// Tests the LVB rules (spec §1.4 table, §6) cell by cell with @Test(arguments:): for every
// (granted-before, requested) pair a lock converts with VALBLK on a resource whose LVB holds a known
// value (kept alive by an NL "keeper"), and the test checks the resource LVB/sequence, the LVB in the
// completion, and VALNOTVALID against a table written out independently of DLMCore's.

import DLMCore
import Testing
@testable import DLMEngine

@Suite struct ValueBlockTests {
    /// Rows: IV (new request), NL ... EX; columns NL ... EX (spec §1.4).
    static let table = ["RRRRRR", "RRRRRR", "-RRRRR", "--RRRR", "---RRR", "WWWWWR", "WWWWWW"]
    static let before: [LockMode?] = [nil] + LockMode.allCases.map { Optional($0) }

    static func cell(_ from: LockMode?, _ to: LockMode) -> Character {
        let row = from.map { Int($0.rawValue) + 1 } ?? 0
        return Array(table[row])[Int(to.rawValue)]
    }

    /// A resource R with LVB 0x11 (sequence 1) and an NL keeper; optionally invalidated afterwards.
    static func prepared(invalid: Bool) throws -> EngineBench {
        var b = EngineBench()
        try b.request("K", .nl)
        try b.request("W", .ex, .valueBlock)
        try b.convert("W", .nl, .valueBlock, lvb: EngineBench.lvb(0x11))
        try b.unlock("W")
        if invalid {
            try b.request("I", .pw)
            try b.unlock("I", .invalidateValueBlock)
        }
        _ = b.take()
        return b
    }

    /// Puts lock L at `from` (no VALBLK), then requests/converts to `to` with VALBLK and LVB 0x22.
    static func step(_ b: inout EngineBench, from: LockMode?, to: LockMode, flags: LockFlags = .valueBlock) throws -> Completion? {
        if let from {
            try b.request("L", from)
            _ = b.take()
            try b.convert("L", to, flags, lvb: EngineBench.lvb(0x22))
        } else {
            try b.request("L", to, flags, lvb: EngineBench.lvb(0x22))
        }
        return b.completions.first { $0.lockID == b.ids["L"] }
    }

    @Test(arguments: before, LockMode.allCases)
    func grantStepFollowsTable(from: LockMode?, to: LockMode) throws {
        var b = try Self.prepared(invalid: false)
        let completion = try Self.step(&b, from: from, to: to)
        let resource = b.engine.resourceSnapshot(EngineBench.name("R"))
        #expect(completion?.status == .granted)
        switch Self.cell(from, to) {
        case "R":
            #expect(completion?.valueBlock == EngineBench.lvb(0x11))
            #expect(resource?.valueBlock == EngineBench.lvb(0x11) && resource?.valueBlockSequence == 1)
            #expect(b.engine.lock(b.ids["L"]!)?.valueBlockSequence == 1)
        case "W":
            #expect(completion?.valueBlock == nil)
            #expect(resource?.valueBlock == EngineBench.lvb(0x22) && resource?.valueBlockSequence == 2)
        default:
            // "-": nothing moves; libdlm hands back the caller's own buffer.
            #expect(completion?.valueBlock == EngineBench.lvb(0x22))
            #expect(resource?.valueBlock == EngineBench.lvb(0x11) && resource?.valueBlockSequence == 1)
        }
    }

    @Test(arguments: before, LockMode.allCases)
    func valueNotValidFollowsKernelVariant(from: LockMode?, to: LockMode) throws {
        var b = try Self.prepared(invalid: true)
        let completion = try Self.step(&b, from: from, to: to)
        let expected = Self.cell(from, to) != "W"
        #expect(completion?.flags.contains(.valueNotValid) == expected)
        let resource = b.engine.resourceSnapshot(EngineBench.name("R"))
        #expect(resource?.valueBlockInvalid == (Self.cell(from, to) != "W"))
    }

    @Test(arguments: before, LockMode.allCases)
    func withoutValueBlockOnlyDashCellsReportInvalid(from: LockMode?, to: LockMode) throws {
        var b = try Self.prepared(invalid: true)
        let completion = try Self.step(&b, from: from, to: to, flags: [])
        #expect(completion?.flags.contains(.valueNotValid) == (Self.cell(from, to) == "-"))
        #expect(completion?.valueBlock == nil)
        #expect(b.engine.resourceSnapshot(EngineBench.name("R"))?.valueBlockSequence == 1)
    }

    @Test(arguments: before, LockMode.allCases)
    func invalidateInWritePositionOnly(from: LockMode?, to: LockMode) throws {
        var b = try Self.prepared(invalid: false)
        _ = try Self.step(&b, from: from, to: to, flags: .invalidateValueBlock)
        let resource = b.engine.resourceSnapshot(EngineBench.name("R"))
        #expect(resource?.valueBlockInvalid == (Self.cell(from, to) == "W"))
        #expect(resource?.valueBlockSequence == 1)
    }

    @Test(arguments: LockMode.allCases)
    func unlockWritesFromPWAndEXOnly(held: LockMode) throws {
        var b = try Self.prepared(invalid: false)
        try b.request("L", held, .valueBlock)
        try b.unlock("L", .valueBlock, lvb: EngineBench.lvb(0x33))
        let resource = b.engine.resourceSnapshot(EngineBench.name("R"))
        let writes = held >= .pw
        #expect(resource?.valueBlock == EngineBench.lvb(writes ? 0x33 : 0x11))
        #expect(resource?.valueBlockSequence == (writes ? 2 : 1))
        #expect(b.completions.last?.valueBlock == nil)
    }

    @Test(arguments: LockMode.allCases)
    func unlockInvalidatesFromPWAndEXOnly(held: LockMode) throws {
        var b = try Self.prepared(invalid: false)
        try b.request("L", held)
        try b.unlock("L", .invalidateValueBlock)
        #expect(b.engine.resourceSnapshot(EngineBench.name("R"))?.valueBlockInvalid == (held >= .pw))
    }

    @Test func unlockInheritsValueBlockFlagFromLastLockCall() throws {
        var b = try Self.prepared(invalid: false)
        try b.request("L", .pw, .valueBlock, lvb: EngineBench.lvb(0x44))
        // The new request read 0x11 into the lock's buffer; an unlock without flags writes it back.
        try b.unlock("L")
        #expect(b.engine.resourceSnapshot(EngineBench.name("R"))?.valueBlockSequence == 2)
        try b.request("M", .pw, .valueBlock)
        try b.unlock("M", lvb: EngineBench.lvb(0x44))
        #expect(b.engine.resourceSnapshot(EngineBench.name("R"))?.valueBlock == EngineBench.lvb(0x44))
        try b.request("N", .pw)
        try b.unlock("N", lvb: EngineBench.lvb(0x55))
        #expect(b.engine.resourceSnapshot(EngineBench.name("R"))?.valueBlock == EngineBench.lvb(0x44))
    }

    @Test func completionValueBlockUsesPreviousCompletionMode() throws {
        // PR→EX reads; the EX→EX conversion afterwards writes and hands nothing back.
        var b = try Self.prepared(invalid: false)
        try b.request("L", .pr, .valueBlock)
        try b.convert("L", .ex, .valueBlock, lvb: EngineBench.lvb(0x55))
        #expect(b.completions.last?.valueBlock == EngineBench.lvb(0x11))
        _ = b.take()
        try b.convert("L", .ex, .valueBlock, lvb: EngineBench.lvb(0x66))
        #expect(b.completions.last?.valueBlock == nil)
        #expect(b.engine.resourceSnapshot(EngineBench.name("R"))?.valueBlock == EngineBench.lvb(0x66))
    }

    @Test func shortCallerBufferIsZeroPadded() throws {
        var b = EngineBench()
        try b.request("L", .ex, .valueBlock, lvb: ValueBlock(bytes: [1, 2], length: 2))
        try b.unlock("L", .valueBlock, lvb: ValueBlock(bytes: [9], length: 1))
        try b.request("K", .nl)
        #expect(b.engine.resourceCount == 1)
        try b.request("M", .pw, .valueBlock)
        try b.unlock("M", .valueBlock, lvb: ValueBlock(bytes: [7], length: 1))
        #expect(b.engine.resourceSnapshot(EngineBench.name("R"))?.valueBlock?.count == 32)
    }
}
