// Tests DirectoryMap: member ordering, weight expansion, all-zero and lock-server rules, the
// (hash >> 16) % total formula, and the distribution of many names (edge case 54: weights 2:1 ≈ 2/3).

import DLMCore
import Testing

@testable import DLMDirectory

@Suite struct DirectoryMapTests {
    @Test func expandsSortedByNodeID() throws {
        let map = try DirectoryMap(memberWeights: [3: 1, 1: 2, 2: 0])
        #expect(map.expanded == [1, 1, 3])
        #expect(map.members == [1, 2, 3])
        #expect(map.contains(2))
        #expect(!map.contains(4))
    }

    @Test func allZeroWeightsCountOne() throws {
        let map = try DirectoryMap(memberWeights: [5: 0, 2: 0])
        #expect(map.expanded == [2, 5])
    }

    @Test func rejectsEmptyAndOverweight() {
        #expect(throws: DLMErrno.EINVAL) { try DirectoryMap(memberWeights: [:]) }
        #expect(throws: DLMErrno.EINVAL) {
            try DirectoryMap(memberWeights: [1: Limits.directoryWeightMax + 1])
        }
    }

    @Test func formulaUsesUpperHashBits() throws {
        let map = try DirectoryMap(members: [10, 20, 30])
        for hash: UInt32 in [0, 0xFFFF, 0x10000, 0x20000, 0x30000, 0xdead_beef] {
            #expect(map.node(forHash: hash) == [10, 20, 30][Int(hash >> 16) % 3])
        }
        let name = try ResourceName("MyLock")
        #expect(map.directoryNode(for: name) == [10, 20, 30][Int(0x0fd6_3a45 >> 16) % 3])
    }

    @Test func singleMemberIsItsOwnDirectory() throws {
        let map = try DirectoryMap(members: [7])
        for index in 0..<100 {
            #expect(map.directoryNode(for: try ResourceName("r\(index)")) == 7)
        }
    }

    @Test func lockServersOnlyWeightedMembersMaster() throws {
        let map = try DirectoryMap(members: [1, 2, 3], configuredWeights: [2: 1])
        #expect(map.expanded == [2])
        let fallback = try DirectoryMap(members: [1, 3], configuredWeights: [2: 4])
        #expect(fallback.expanded == [1, 3])
    }

    /// NODIR: the static master follows the same weighted formula, so lock servers master everything.
    @Test func staticMasterUsesLockServers() throws {
        let map = try DirectoryMap(members: [1, 2, 3], configuredWeights: [2: 1, 3: 1])
        var masters: Set<NodeID> = []
        for index in 0..<500 {
            let name = try ResourceName("s\(index)")
            #expect(map.staticMaster(for: name) == map.directoryNode(for: name))
            masters.insert(map.staticMaster(for: name))
        }
        #expect(masters == [2, 3])
    }

    /// Edge case 54: master weights node 1 = 2, node 2 = 1 → about 2/3 of names on node 1.
    @Test func weightsTwoToOneGiveTwoThirds() throws {
        let map = try DirectoryMap(members: [1, 2], configuredWeights: [1: 2, 2: 1])
        let total = 30_000
        var onFirst = 0
        for index in 0..<total where map.directoryNode(for: try ResourceName("resource-\(index)")) == 1 {
            onFirst += 1
        }
        let share = Double(onFirst) / Double(total)
        #expect(abs(share - 2.0 / 3.0) < 0.02)
    }

    /// Equal weights spread names evenly over four nodes.
    @Test func equalWeightsSpreadEvenly() throws {
        let map = try DirectoryMap(members: [1, 2, 3, 4])
        var counts: [NodeID: Int] = [:]
        let total = 40_000
        for index in 0..<total {
            counts[map.directoryNode(for: try ResourceName("n\(index)")), default: 0] += 1
        }
        for node: NodeID in [1, 2, 3, 4] {
            #expect(abs(Double(counts[node, default: 0]) / Double(total) - 0.25) < 0.02)
        }
    }
}
