// dlmd — DLMMembershipTests: the quorum rule (majority and two-node), the failure detector, and the
// two-phase view change driven by hand: a crash with the fencing gate, a join, concurrent
// proposals, a minority that loses quorum, and the daemon's start-up without a configured view
// (bootstrap: the lowest live node of a quorate set where nobody has a view proposes view 1). Agents exchange messages through a tiny in-test bus.

import DLMCore
import DLMMembership
import Testing

/// A synchronous bus: agents' sends are queued and delivered in order, heartbeats every tick.
struct Bus {
    var agents: [NodeID: MembershipAgent] = [:]
    var down: Set<NodeID> = []
    var now = MonotonicInstant(nanoseconds: 0)
    var starts: [NodeID: [MembershipView]] = [:]
    var stops: [NodeID: Int] = [:]
    var lost: Set<NodeID> = []
    var cut: Set<[NodeID]> = []
    /// One-way cuts: `[from, to]` drops only what `from` sends to `to`.
    var oneWay: Set<[NodeID]> = []

    init(nodes: [NodeID]) {
        let rule = QuorumRule(configured: Set(nodes))
        let view = MembershipView(generation: 1, members: nodes.map { Member(node: $0, incarnation: 0) })
        for node in nodes {
            agents[node] = MembershipAgent(
                me: Member(node: node, incarnation: 0), rule: rule, heartbeatInterval: .milliseconds(1),
                failureTimeout: .milliseconds(5), initialView: view)
        }
    }

    mutating func run(milliseconds: Int) {
        for _ in 0..<milliseconds {
            now = now.advanced(by: .milliseconds(1))
            var pending: [(NodeID, MembershipOutput)] = []
            for node in agents.keys.sorted() where !down.contains(node) {
                var out: [MembershipOutput] = []
                agents[node]!.tick(now: now, &out)
                pending += out.map { (node, $0) }
            }
            while !pending.isEmpty {
                let (node, output) = pending.removeFirst()
                switch output {
                case .send(let to, let message):
                    guard !down.contains(to), !cut.contains([node, to]), !cut.contains([to, node]), !oneWay.contains([node, to])
                    else { continue }
                    var out: [MembershipOutput] = []
                    agents[to]!.receive(message, from: node, now: now, &out)
                    pending += out.map { (to, $0) }
                case .stop: stops[node, default: 0] += 1
                case .start(let view, _): starts[node, default: []].append(view)
                case .quorumLost: lost.insert(node)
                }
            }
        }
    }
}

@Suite struct MembershipTests {
    @Test func majorityAndTwoNodeQuorum() {
        let three = QuorumRule(configured: [1, 2, 3])
        #expect(three.isQuorate([1, 2]))
        #expect(!three.isQuorate([3]))
        #expect(!three.isQuorate([3, 9]))
        let four = QuorumRule(configured: [1, 2, 3, 4])
        #expect(!four.isQuorate([1, 2]))
        #expect(four.isQuorate([1, 2, 4]))
        #expect(!QuorumRule(configured: [1, 2]).isQuorate([1]))
        #expect(QuorumRule(configured: [1, 2], twoNode: true).isQuorate([2]))
    }

    @Test func detectorForgetsSilentAndDownPeers() {
        var detector = FailureDetector(timeout: .milliseconds(5))
        detector.heard(from: 2, incarnation: 0, now: MonotonicInstant(nanoseconds: 0))
        detector.heard(from: 3, incarnation: 4, now: MonotonicInstant(nanoseconds: 0))
        #expect(detector.alive(now: MonotonicInstant(nanoseconds: 1_000_000)).map(\.node) == [2, 3])
        detector.linkDown(2)
        #expect(detector.alive(now: MonotonicInstant(nanoseconds: 1_000_000)) == [Member(node: 3, incarnation: 4)])
        #expect(detector.alive(now: MonotonicInstant(nanoseconds: 6_000_001)).isEmpty)
    }

    @Test func crashCommitsOnlyAfterFencing() {
        var bus = Bus(nodes: [1, 2, 3])
        bus.run(milliseconds: 3)
        #expect(bus.starts.isEmpty)
        bus.down.insert(1)
        bus.run(milliseconds: 15)
        #expect(bus.stops[2, default: 0] >= 1 && bus.stops[3, default: 0] >= 1)
        #expect(bus.starts.isEmpty, "no commit before node 1 is fenced")
        for node: NodeID in [2, 3] { bus.agents[node]!.fenceConfirmed(Member(node: 1, incarnation: 0)) }
        bus.run(milliseconds: 3)
        let view2 = bus.starts[2]?.last
        #expect(view2?.nodes == [2, 3])
        #expect(view2 == bus.starts[3]?.last)
        #expect((view2?.generation ?? 0) > 1)
    }

    @Test func restartedNodeJoinsAsNewIncarnation() {
        var bus = Bus(nodes: [1, 2, 3])
        bus.down.insert(3)
        bus.run(milliseconds: 8)
        for node: NodeID in [1, 2] { bus.agents[node]!.fenceConfirmed(Member(node: 3, incarnation: 0)) }
        bus.run(milliseconds: 3)
        let before = bus.agents[1]!.view.generation
        bus.agents[3] = MembershipAgent(
            me: Member(node: 3, incarnation: 1), rule: QuorumRule(configured: [1, 2, 3]),
            heartbeatInterval: .milliseconds(1), failureTimeout: .milliseconds(5))
        bus.down.remove(3)
        bus.run(milliseconds: 10)
        let views = Set([1, 2, 3].map { bus.agents[NodeID($0)]!.view })
        #expect(views.count == 1)
        #expect(views.first?.members.contains(Member(node: 3, incarnation: 1)) == true)
        #expect(views.first!.generation > before)
    }

    @Test func firstViewFormsWithoutAConfiguredView() {
        var bus = Bus(nodes: [1, 2, 3])
        for node: NodeID in [1, 2, 3] {
            bus.agents[node] = MembershipAgent(
                me: Member(node: node, incarnation: 7), rule: QuorumRule(configured: [1, 2, 3]),
                heartbeatInterval: .milliseconds(1), failureTimeout: .milliseconds(5))
        }
        bus.down = [3]
        bus.run(milliseconds: 1)
        #expect(bus.starts.isEmpty, "nobody has heard a peer yet")
        bus.run(milliseconds: 10)
        #expect(bus.starts.isEmpty, "a quorate majority does not bootstrap while a configured node is unheard")
        bus.down = []
        bus.run(milliseconds: 10)
        let views = Set([1, 2, 3].map { bus.agents[NodeID($0)]!.view })
        #expect(views.count == 1 && views.first!.members.count == 3 && views.first!.generation >= 1)
        #expect(bus.starts[3]?.count == 1, "node 3 started exactly one view")
    }

    @Test func restartedNodesDoNotBootstrapBesideAnUnheardViewHolder() {
        // Nodes 1 and 3 restart (no view) while node 2, the last member of the old view, is cut off:
        // together they are a majority, but node 2 may still hold locks, so no fresh view forms.
        var bus = Bus(nodes: [1, 2, 3])
        bus.run(milliseconds: 3)
        for node: NodeID in [1, 3] {
            bus.agents[node] = MembershipAgent(
                me: Member(node: node, incarnation: 9), rule: QuorumRule(configured: [1, 2, 3]),
                heartbeatInterval: .milliseconds(1), failureTimeout: .milliseconds(5))
        }
        bus.down = [2]
        let before = bus.starts
        bus.run(milliseconds: 20)
        #expect(bus.agents[1]!.view.generation == 0 && bus.agents[3]!.view.generation == 0)
        #expect(bus.starts[1] == before[1] && bus.starts[3] == before[3], "no view without node 2")
    }

    @Test func aCoordinatorThatAloneLostQuorumProposesAgainWhenItHearsTheOthers() {
        // Node 3 dies and is fenced: view [1, 2]. Then node 1 alone stops hearing node 2 for longer than
        // the failure timeout (node 2 still hears node 1 and stays quorate): node 1 loses quorum. When it
        // hears node 2 again the live set equals its view, but its lockspaces are inquorate: as the
        // coordinator it must propose a new view, or they stay stopped for ever (seen in dlm-bench's
        // recovery run with 10^5 locks).
        var bus = Bus(nodes: [1, 2, 3])
        bus.run(milliseconds: 3)
        bus.down = [3]
        for node: NodeID in [1, 2] { bus.agents[node]!.fenceConfirmed(Member(node: 3, incarnation: 0)) }
        bus.run(milliseconds: 15)
        #expect(bus.agents[1]!.view.members.map(\.node) == [1, 2])
        let generation = bus.agents[1]!.view.generation
        bus.oneWay = [[2, 1]]
        bus.run(milliseconds: 8)
        #expect(bus.lost == [1], "only node 1 lost quorum")
        bus.oneWay = []
        bus.run(milliseconds: 15)
        #expect(bus.agents[1]!.view.generation > generation, "node 1 proposed a view that restarts it")
        #expect(bus.agents[2]!.view == bus.agents[1]!.view)
    }

    @Test func aLoneNodeWithoutQuorumNeverBootstraps() {
        var bus = Bus(nodes: [1, 2, 3])
        bus.agents[1] = MembershipAgent(
            me: Member(node: 1, incarnation: 1), rule: QuorumRule(configured: [1, 2, 3]),
            heartbeatInterval: .milliseconds(1), failureTimeout: .milliseconds(5))
        bus.down = [2, 3]
        bus.run(milliseconds: 20)
        #expect(bus.agents[1]!.view.generation == 0 && bus.starts.isEmpty)
    }

    @Test func minorityLosesQuorumAndMajorityAgrees() {
        var bus = Bus(nodes: [1, 2, 3, 4, 5])
        bus.run(milliseconds: 2)
        for a: NodeID in [1, 2] { for b: NodeID in [3, 4, 5] { bus.cut.insert([a, b]) } }
        bus.run(milliseconds: 10)
        #expect(bus.lost == [1, 2])
        #expect(bus.starts.isEmpty, "nodes 1 and 2 are not fenced yet")
        for node: NodeID in [3, 4, 5] {
            bus.agents[node]!.fenceConfirmed(Member(node: 1, incarnation: 0))
            bus.agents[node]!.fenceConfirmed(Member(node: 2, incarnation: 0))
        }
        bus.run(milliseconds: 5)
        let views = Set([3, 4, 5].map { bus.agents[NodeID($0)]!.view })
        #expect(views.count == 1 && views.first?.nodes == [3, 4, 5])
        #expect(bus.agents[1]!.view.generation == 1)
    }

    @Test func concurrentFailuresEndInOneView() {
        var bus = Bus(nodes: [1, 2, 3, 4, 5, 6, 7])
        bus.run(milliseconds: 2)
        bus.down.insert(1)
        bus.run(milliseconds: 3)
        bus.down.insert(4)
        bus.run(milliseconds: 4)
        bus.down.insert(2)
        for node: NodeID in [3, 5, 6, 7] {
            for dead: NodeID in [1, 2, 4] { bus.agents[node]!.fenceConfirmed(Member(node: dead, incarnation: 0)) }
        }
        bus.run(milliseconds: 20)
        let views = Set([3, 5, 6, 7].map { bus.agents[NodeID($0)]!.view })
        #expect(views.count == 1 && views.first?.nodes == [3, 5, 6, 7])
    }
}
