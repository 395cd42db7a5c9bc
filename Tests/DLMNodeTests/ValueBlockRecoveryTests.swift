// dlmd — DLMNodeTests: LVB recovery (spec §10.5, edge cases 41–42) end to end on 3 DLMNode values
// driven by NodeBench: values are written by down-conversions, a node fails, recovery runs, and a
// later VALBLK reader's completion shows which LVB the rebuilt resource got and whether it is
// flagged VALNOTVALID.

import DLMCore
import DLMEngine
import DLMNode
import DLMWire
import Testing

@Suite struct ValueBlockRecoveryTests {
    static func block(_ byte: UInt8) -> ValueBlock { ValueBlock(bytes: [byte, byte, byte], length: 32) }
    /// The caller's buffer of a VALBLK call that reads.
    static let zero = ValueBlock(zeroed: 32)

    /// Node `writer` takes EX with VALBLK on `name` and publishes `value` by converting EX→NL.
    static func publish(_ bench: inout NodeBench, _ writer: NodeID, _ name: ResourceName, _ value: UInt8) throws -> LockID {
        let id = try bench.lock(writer, name, .ex, flags: .valueBlock, valueBlock: Self.zero)
        bench.settle()
        try bench.convert(writer, id, .nl, flags: .valueBlock, valueBlock: block(value))
        bench.settle()
        return id
    }

    /// Edge case 41: a non-master PW VALBLK holder dies; the surviving master's LVB is marked
    /// invalid and the next VALBLK reader is told VALNOTVALID (with the old value).
    @Test func departedPWHolderInvalidatesTheLVB() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 1)
        _ = try Self.publish(&bench, 1, name, 7)
        _ = try bench.lock(3, name, .pw, flags: .valueBlock, valueBlock: Self.zero)
        bench.settle()
        let reader = try bench.lock(2, name, .nl, flags: .valueBlock, valueBlock: Self.zero)
        bench.settle()
        bench.recover(afterFailureOf: 3)
        try bench.convert(2, reader, .pr, flags: .valueBlock, valueBlock: Self.zero)
        bench.settle()
        let completion = try #require(bench.lastCompletion(2))
        #expect(completion.status == .granted && completion.grantedMode == .pr)
        #expect(completion.flags.contains(.valueNotValid))
        #expect(completion.valueBlock == Self.block(7))
    }

    /// Control for 41: a departed CR holder does not invalidate; the surviving master's LVB stays
    /// valid even when the resource moves to another master.
    @Test func departedReaderLeavesTheLVBValid() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 1)
        _ = try Self.publish(&bench, 1, name, 9)
        _ = try bench.lock(3, name, .cr, flags: .valueBlock, valueBlock: Self.zero)
        bench.settle()
        bench.recover(afterFailureOf: 3)
        let reader = try bench.lock(2, name, .pr, flags: .valueBlock, valueBlock: Self.zero)
        bench.settle()
        let completion = try #require(bench.lastCompletion(2))
        #expect(completion.lockID == reader && completion.status == .granted)
        #expect(!completion.flags.contains(.valueNotValid))
        #expect(completion.valueBlock == Self.block(9))
    }

    /// Edge case 42: the master held EX with VALBLK, wrote a newer value and died; the survivor
    /// holds only NL with the older value → the new master takes it, flagged VALNOTVALID.
    @Test func departedMasterWithOnlyNLSurvivorsGivesInvalidLVB() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 3)
        let master = try Self.publish(&bench, 3, name, 1)
        let survivor = try bench.lock(1, name, .nl, flags: .valueBlock, valueBlock: Self.zero)
        bench.settle()
        #expect(bench.lastCompletion(1)?.valueBlock == Self.block(1))
        try bench.convert(3, master, .ex, flags: .valueBlock, valueBlock: Self.zero)
        try bench.convert(3, master, .ex, flags: [.valueBlock], valueBlock: Self.block(2))
        bench.settle()
        bench.recover(afterFailureOf: 3)
        try bench.convert(1, survivor, .pr, flags: .valueBlock, valueBlock: Self.zero)
        bench.settle()
        let completion = try #require(bench.lastCompletion(1))
        #expect(completion.status == .granted && completion.grantedMode == .pr)
        #expect(completion.flags.contains(.valueNotValid))
        #expect(completion.valueBlock == Self.block(1))
    }

    /// Edge case 42, second half: a surviving PR VALBLK holder's LVB is used, valid.
    @Test func survivingPRHolderGivesValidLVB() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 3)
        let master = try bench.lock(3, name, .ex, flags: .valueBlock, valueBlock: Self.zero)
        bench.settle()
        try bench.convert(3, master, .pr, flags: .valueBlock, valueBlock: Self.block(5))
        bench.settle()
        _ = try bench.lock(1, name, .pr, flags: .valueBlock, valueBlock: Self.zero)
        bench.settle()
        #expect(bench.lastCompletion(1)?.valueBlock == Self.block(5))
        bench.recover(afterFailureOf: 3)
        _ = try bench.lock(2, name, .pr, flags: .valueBlock, valueBlock: Self.zero)
        bench.settle()
        let completion = try #require(bench.lastCompletion(2))
        #expect(completion.status == .granted)
        #expect(!completion.flags.contains(.valueNotValid))
        #expect(completion.valueBlock == Self.block(5))
    }
}
