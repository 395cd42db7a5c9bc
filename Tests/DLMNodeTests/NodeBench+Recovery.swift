// dlmd — DLMNodeTests: NodeBench helpers for recovery scenarios: a node fails (its state and its
// messages vanish), the survivors stop and start recovery for the next view, and the test then
// settles the network (transfers, DONE barrier, resume).

import DLMCore
import DLMNode
import DLMWire

extension NodeBench {
    /// Node `node` dies: it and every message from or to it disappear.
    mutating func fail(_ node: NodeID) {
        nodes[node] = nil
        network.removeAll { $0.from == node || $0.to == node }
    }

    /// Every node stops its lockspaces (the first phase of a view change).
    mutating func stopAll() {
        for id in nodes.keys { nodes[id]!.stopLockspaces() }
    }

    /// Every node starts recovery for the next view (the current nodes), `failed` departed.
    mutating func startRecovery(failed: [NodeID]) {
        let members = Set(nodes.keys)
        let generation = (nodes.values.map(\.generation).max() ?? 1) + 1
        for id in members.sorted() {
            var directives: [NodeDirective] = []
            nodes[id]!.startRecovery(members: members, generation: generation, failed: failed, now: now, directives: &directives)
            absorb(directives, from: id)
        }
    }

    /// A failure of `node` handled end to end: stop, start recovery, settle.
    mutating func recover(afterFailureOf node: NodeID) {
        fail(node)
        stopAll()
        startRecovery(failed: [node])
        settle()
    }
}

extension NodeBench {
    /// Node `node` starts as a new incarnation (no view, no locks) and joins through the next view
    /// change: everybody stops and starts recovery with it as a member.
    mutating func rejoin(_ node: NodeID) {
        var fresh = DLMNode(nodeID: node, membership: ClusterMembership(members: [node], generation: 0))
        try! fresh.joinLockspace(configuration)
        nodes[node] = fresh
        stopAll()
        startRecovery(failed: [])
        settle()
    }
}
