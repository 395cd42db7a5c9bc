// dlmd — DLMSimulation: node crashes, fencing, restarts and the membership agents that drive view
// changes and recovery (docs/recovery.md).

import DLMCore
import DLMMembership
import DLMNode
import DLMWire

extension SimulationWorld {
    static let heartbeat: Duration = .milliseconds(1)
    static let failureTimeout: Duration = .milliseconds(5)

    func makeAgent(_ index: Int, incarnation: UInt32, initial: MembershipView?) -> MembershipAgent {
        let rule = QuorumRule(configured: Set((1...options.nodeCount).map { NodeID($0) }))
        return MembershipAgent(
            me: Member(node: NodeID(index + 1), incarnation: incarnation), rule: rule,
            heartbeatInterval: Self.heartbeat, failureTimeout: Self.failureTimeout, initialView: initial)
    }

    /// Agents run while faults may still happen or the cluster has not settled.
    var membershipSettled: Bool {
        guard alive.allSatisfy({ $0 }), stepsIssued >= options.steps else { return false }
        let views = Set(agents.map(\.view))
        return views.count == 1 && views.first!.members.count == options.nodeCount && nodes.allSatisfy(\.isRunning)
    }

    mutating func agentTick(_ index: Int) {
        guard alive[index] else { return }
        var out: [MembershipOutput] = []
        agents[index].tick(now: nowInstant, &out)
        apply(out, at: index)
        if options.faults && stepsIssued >= options.steps && now > lastFault + 2_000_000_000 && !membershipSettled {
            let states = nodes.indices.map { "\($0 + 1):alive=\(alive[$0]) gen=\(nodes[$0].generation) running=\(nodes[$0].isRunning) view=\(agents[$0].view.generation) accepted=\(agents[$0].highestAccepted) quorate=\(agents[$0].quorate) live=\(agents[$0].live(now: nowInstant)) members=\(agents[$0].view.members)" }
            checker.fail("membership or recovery did not settle: \(states.joined(separator: " "))")
            return
        }
        if !membershipSettled || now < lastFault + 50_000_000 {
            queue.push(.agentTick(index), at: now + UInt64(Self.heartbeat.components.attoseconds / 1_000_000_000))
        }
    }

    mutating func apply(_ outputs: [MembershipOutput], at index: Int) {
        for output in outputs {
            switch output {
            case .send(let to, let message):
                let peer = Int(to) - 1
                guard alive[peer], !isCut(index, peer) else { continue }
                queue.push(.membership(from: index, to: peer, message), at: now + UInt64.random(in: 10...300, using: &rng) * 1000)
            case .stop:
                if options.trace { print("\(now / 1000)us stop@\(index + 1)") }
                nodes[index].stopLockspaces()
            case .quorumLost:
                if options.trace { print("\(now / 1000)us quorumLost@\(index + 1)") }
                nodes[index].quorumLost()
            case .start(let view, let departed):
                if options.trace { print("\(now / 1000)us start@\(index + 1) gen \(view.generation) \(view.members)") }
                if view.generation <= highestGeneration[index] { checker.fail("generation went back on node \(index + 1)") }
                highestGeneration[index] = view.generation
                var directives: [NodeDirective] = []
                nodes[index].startRecovery(
                    members: view.nodes, generation: view.generation, failed: departed.map(\.node), now: nowInstant,
                    directives: &directives)
                carryOut(directives, node: index)
            }
        }
    }

    mutating func membershipArrive(from: Int, to: Int, _ message: MembershipMessage) {
        guard alive[to], alive[from], !isCut(from, to) else { return }
        var out: [MembershipOutput] = []
        agents[to].receive(message, from: NodeID(from + 1), now: nowInstant, &out)
        apply(out, at: to)
    }

    /// Crash: the node's state and its clients are lost; it is fenced after a delay, restarted later.
    mutating func crash(_ index: Int) {
        guard alive[index], alive.filter({ $0 }).count > options.nodeCount / 2 + 1 else { return }
        if options.trace { print("\(now / 1000)us crash@\(index + 1)") }
        report.crashes += 1
        kill(index)
        queue.push(.fence(index, incarnations[index]), at: now + UInt64.random(in: 2_000...6_000, using: &rng) * 1000)
    }

    /// The node's state and its clients' locks are lost; its links reset.
    mutating func kill(_ index: Int) {
        alive[index] = false
        lastFault = now
        for client in clients.indices where clients[client].node == NodeID(index + 1) {
            checker.closed(node: clients[client].node, handle: clients[client].handle)
            clients[client].locks = [:]
            clients[client].handle = nextHandle
            nextHandle += 1
        }
        for peer in 0..<options.nodeCount where peer != index { resetLink(index, peer) }
    }

    mutating func fence(_ index: Int, incarnation: UInt32) {
        for peer in agents.indices where alive[peer] {
            agents[peer].fenceConfirmed(Member(node: NodeID(index + 1), incarnation: incarnation))
        }
        queue.push(.restart(index), at: now + UInt64.random(in: 2_000...10_000, using: &rng) * 1000)
    }

    /// A new incarnation: empty state, no view; it joins through the next view change.
    mutating func restart(_ index: Int) {
        let id = NodeID(index + 1)
        var node = DLMNode(nodeID: id, membership: ClusterMembership(members: [id], generation: 0))
        try! node.joinLockspace(configuration)
        node.stopLockspaces()
        nodes[index] = node
        incarnations[index] += 1
        agents[index] = makeAgent(index, incarnation: incarnations[index], initial: nil)
        alive[index] = true
        lastFault = now
        armedTick[index] = nil
        for peer in 0..<options.nodeCount where peer != index { resetLink(index, peer) }
        queue.push(.agentTick(index), at: now)
        for client in clients.indices where clients[client].node == id {
            queue.push(.clientStep(client), at: now + UInt64.random(in: 1...1000, using: &rng) * 1000)
        }
    }

    /// Fresh sessions both ways (a new connection to a new incarnation); frames in flight are lost.
    mutating func resetLink(_ a: Int, _ b: Int) {
        epochs[min(a, b)][max(a, b)] += 1
        sessions[a][b] = ReliableSession<Outbound>()
        sessions[b][a] = ReliableSession<Outbound>()
        guard !isCut(a, b) && !isCut(b, a) else { return }
        _ = sessions[a][b].onConnected()
        _ = sessions[b][a].onConnected()
    }
}
