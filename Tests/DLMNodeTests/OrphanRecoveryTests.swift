// dlmd — DLMNodeTests: PERSISTENT orphans across recovery (spec §7.6, §10.3): an orphan whose
// owner node survives moves with its resource to the new master and still blocks others until it
// is purged there; an orphan whose owner node departed is dropped. Driven through NodeBench.

import DLMCore
import DLMDirectory
import DLMEngine
import DLMNode
import Testing

@Suite struct OrphanRecoveryTests {
    /// A name mastered by node 2 among {1,2,3} whose directory node among {2,3} is 3.
    static func movingName(_ bench: NodeBench) -> ResourceName {
        let after = try! DirectoryMap(members: [2, 3], configuredWeights: [:])
        for skip in 0..<500 {
            let name = bench.name(directoryNode: 2, skip: skip)
            if after.directoryNode(for: name) == 3 { return name }
        }
        fatalError("no moving name")
    }

    /// Node 2's client makes an orphan and exits.
    static func orphan(_ bench: inout NodeBench, _ name: ResourceName) throws {
        _ = try bench.lock(2, name, .ex, flags: .persistent, handle: 9)
        bench.settle()
        var directives: [NodeDirective] = []
        bench.nodes[2]!.closeHandle(lockspace: bench.lockspace, handle: 9, now: bench.now, directives: &directives)
        #expect(bench.nodes[2]!.counts(lockspace: bench.lockspace).orphans == 1)
    }

    @Test func orphanMovesToTheNewMasterAndStillBlocks() throws {
        var bench = NodeBench(nodes: 3)
        let name = Self.movingName(bench)
        try Self.orphan(&bench, name)
        bench.recover(afterFailureOf: 1)
        #expect(bench.nodes[2]!.counts(lockspace: bench.lockspace).orphans == 0)
        #expect(bench.nodes[3]!.counts(lockspace: bench.lockspace).orphans == 1)
        let blocked = try bench.lock(3, name, .ex, flags: .noQueue)
        bench.settle()
        #expect(bench.statuses(3, lock: blocked) == [.wouldBlock])
        var directives: [NodeDirective] = []
        #expect(bench.nodes[3]!.purgeOrphans(lockspace: bench.lockspace, pid: 100, now: bench.now, directives: &directives) == 1)
        let granted = try bench.lock(3, name, .ex, flags: .noQueue)
        bench.settle()
        #expect(bench.lastCompletion(3)?.lockID == granted)
        #expect(bench.lastCompletion(3)?.status == .granted)
    }

    @Test func orphanOfADepartedNodeIsDropped() throws {
        var bench = NodeBench(nodes: 3)
        let name = Self.movingName(bench)
        try Self.orphan(&bench, name)
        bench.recover(afterFailureOf: 2)
        for id in [NodeID(1), 3] { #expect(bench.nodes[id]!.counts(lockspace: bench.lockspace).orphans == 0) }
        let granted = try bench.lock(3, name, .ex, flags: .noQueue)
        bench.settle()
        #expect(bench.statuses(3, lock: granted) == [.granted])
    }
}
