// dlmd — DLMMembershipTests: liveness after a partition heals without anyone being fenced. The
// majority stopped for a view it cannot commit (fencing never came) and the minority lost quorum;
// once the cut heals, stalled members announce it in their heartbeats and the coordinator commits a
// view with everybody, which restarts every node. Driven with the in-test Bus of MembershipTests.

import DLMCore
import DLMMembership
import Testing

@Suite struct PartitionHealTests {
    @Test func partitionHealedBeforeFencingEndsInOneViewWithEverybody() {
        var bus = Bus(nodes: [1, 2, 3, 4, 5])
        bus.run(milliseconds: 2)
        for a: NodeID in [1, 2] { for b: NodeID in [3, 4, 5] { bus.cut.insert([a, b]) } }
        bus.run(milliseconds: 12)
        #expect(bus.lost == [1, 2])
        #expect(bus.stops[3, default: 0] > 0, "the majority stopped for a view without 1 and 2")
        #expect(bus.starts.isEmpty)
        bus.cut = []
        bus.run(milliseconds: 20)
        let views = Set(bus.agents.values.map(\.view))
        #expect(views.count == 1)
        #expect(views.first?.nodes == [1, 2, 3, 4, 5])
        #expect((views.first?.generation ?? 0) > 1)
        for node: NodeID in 1...5 { #expect(bus.starts[node]?.isEmpty == false, "node \(node) restarted") }
        let now = bus.now
        #expect(bus.agents.values.allSatisfy { !$0.isStalled(now: now) })
    }
}
