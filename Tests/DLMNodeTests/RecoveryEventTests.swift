// dlmd — DLMNodeTests: the recovery callbacks (spec §10.8) as RecoveryEvent values: prep at stop,
// slot per failed member with its slot, done with every member's slot, our slot and the
// generation. Slots are 1-based and stable: survivors keep theirs, a rejoining node takes the
// lowest free one. Driven through NodeBench failures and rejoins.

import DLMCore
import DLMNode
import Testing

@Suite struct RecoveryEventTests {
    @Test func failureReportsSlotsAndDoneWithStableSlots() {
        var bench = NodeBench(nodes: 3)
        let ls = bench.lockspace
        bench.recover(afterFailureOf: 1)
        let members = [MemberSlot(node: 2, slot: 2), MemberSlot(node: 3, slot: 3)]
        #expect(bench.nodes[2]!.takeRecoveryEvents() == [
            .prep(lockspace: ls), .slot(lockspace: ls, node: 1, slot: 1),
            .done(lockspace: ls, members: members, ourSlot: 2, generation: 2),
        ])
        #expect(bench.nodes[3]!.takeRecoveryEvents().last == .done(lockspace: ls, members: members, ourSlot: 3, generation: 2))

        bench.rejoin(1)
        let all = [MemberSlot(node: 1, slot: 1), MemberSlot(node: 2, slot: 2), MemberSlot(node: 3, slot: 3)]
        #expect(bench.nodes[2]!.takeRecoveryEvents() == [.prep(lockspace: ls), .done(lockspace: ls, members: all, ourSlot: 2, generation: 3)])
        #expect(bench.nodes[1]!.takeRecoveryEvents().last == .done(lockspace: ls, members: all, ourSlot: 1, generation: 3))
    }

    /// A new member takes the lowest free slot, not its node id: node 3 fails, node 2 fails, node 3
    /// comes back first and gets slot 2.
    @Test func newMemberTakesLowestFreeSlot() {
        var bench = NodeBench(nodes: 4)
        let ls = bench.lockspace
        bench.recover(afterFailureOf: 3)
        bench.recover(afterFailureOf: 2)
        _ = bench.nodes[1]!.takeRecoveryEvents()
        bench.rejoin(3)
        let expected = [MemberSlot(node: 1, slot: 1), MemberSlot(node: 3, slot: 2), MemberSlot(node: 4, slot: 4)]
        #expect(bench.nodes[1]!.takeRecoveryEvents().last == .done(lockspace: ls, members: expected, ourSlot: 1, generation: 4))
        #expect(bench.nodes[3]!.takeRecoveryEvents().last == .done(lockspace: ls, members: expected, ourSlot: 2, generation: 4))
    }
}
