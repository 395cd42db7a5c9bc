// dlmd — DLMRecoveryTests: the LVB decision rules of spec §10.5 in ValueBlockRecovery, fed with
// master records and holder copies directly; and the wrap-safe sequence comparison.

import DLMCore
import DLMRecovery
import Testing

@Suite struct ValueBlockRecoveryRuleTests {
    static func block(_ byte: UInt8) -> ValueBlock { ValueBlock(bytes: [byte], length: 8) }

    @Test func noEvidenceMeansNoLVB() {
        #expect(ValueBlockRecovery().decision == nil)
    }

    @Test func firstCopyAboveCRIsValid() {
        var recovery = ValueBlockRecovery()
        recovery.addCopy(granted: .cr, block: Self.block(9), sequence: 9)
        recovery.addCopy(granted: .pr, block: Self.block(4), sequence: 4)
        recovery.addCopy(granted: .pr, block: Self.block(5), sequence: 5)
        #expect(recovery.decision == ValueBlockState(block: Self.block(4), sequence: 4, invalid: false))
    }

    @Test func onlyNLAndCRCopiesGiveHighestSequenceInvalid() {
        var recovery = ValueBlockRecovery()
        recovery.addCopy(granted: .nl, block: Self.block(2), sequence: 2)
        recovery.addCopy(granted: .cr, block: Self.block(3), sequence: 3)
        recovery.addCopy(granted: .nl, block: Self.block(1), sequence: 1)
        #expect(recovery.decision == ValueBlockState(block: Self.block(3), sequence: 3, invalid: true))
    }

    @Test func sequenceComparisonWraps() {
        #expect(ValueBlockRecovery.isNewer(1, than: UInt32.max))
        #expect(!ValueBlockRecovery.isNewer(UInt32.max, than: 1))
        var recovery = ValueBlockRecovery()
        recovery.addCopy(granted: .nl, block: Self.block(1), sequence: UInt32.max)
        recovery.addCopy(granted: .nl, block: Self.block(2), sequence: 0)
        #expect(recovery.decision?.block == Self.block(2))
    }

    @Test func masterRecordWinsUnlessACopyIsNewer() {
        var recovery = ValueBlockRecovery()
        recovery.recordMaster(ValueBlockState(block: Self.block(6), sequence: 6, invalid: true))
        recovery.addCopy(granted: .pr, block: Self.block(6), sequence: 6)
        #expect(recovery.decision == ValueBlockState(block: Self.block(6), sequence: 6, invalid: true))
        recovery.addCopy(granted: .nl, block: Self.block(7), sequence: 7)
        #expect(recovery.decision == ValueBlockState(block: Self.block(7), sequence: 7, invalid: false))
    }
}
