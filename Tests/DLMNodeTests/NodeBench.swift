// dlmd — DLMNodeTests: a hand-driven cluster of DLMNode values for scenario tests. Tests what the
// nodes send and deliver by holding every message on a per-link FIFO until the test delivers it.

import DLMCore
import DLMDirectory
import DLMEngine
import DLMNode
import DLMWire

/// A small cluster whose network the test steps by hand.
struct NodeBench {
    struct InFlightMessage {
        var from: NodeID
        var to: NodeID
        var message: WireMessage
        /// The sender's view generation when it sent the message.
        var generation: UInt64 = 1
    }

    var nodes: [NodeID: DLMNode] = [:]
    let lockspace: UInt32
    let configuration: LockspaceConfiguration
    /// Messages sent and not yet delivered, in sending order (FIFO per link is kept by `deliver`).
    var network: [InFlightMessage] = []
    /// Every message type ever sent, in order, as "from>to:type".
    var sent: [String] = []
    /// Callbacks delivered per node.
    var delivered: [NodeID: [EngineEffect]] = [:]
    var now = MonotonicInstant(nanoseconds: 1_000_000)

    init(nodes count: Int, noDirectory: Bool = false, masterWeights: [NodeID: UInt32] = [:]) {
        let members = Set((1...count).map { NodeID($0) })
        configuration = LockspaceConfiguration(
            name: try! LockspaceName("bench"), noDirectory: noDirectory, masterWeights: masterWeights)
        lockspace = configuration.globalID
        for id in members {
            var node = DLMNode(nodeID: id, membership: ClusterMembership(members: members))
            try! node.joinLockspace(configuration)
            nodes[id] = node
        }
    }

    var map: DirectoryMap {
        try! DirectoryMap(members: Set(nodes.keys), configuredWeights: configuration.masterWeights)
    }

    /// A resource name whose directory node (or NODIR master) is `node`.
    func name(directoryNode node: NodeID, skip: Int = 0) -> ResourceName {
        var found = 0
        for index in 0..<10_000 {
            let name = try! ResourceName("res-\(index)")
            if map.directoryNode(for: name) == node {
                if found == skip { return name }
                found += 1
            }
        }
        fatalError("no name found")
    }

    mutating func absorb(_ directives: [NodeDirective], from node: NodeID) {
        for directive in directives {
            switch directive {
            case .send(let to, _, let message):
                network.append(InFlightMessage(from: node, to: to, message: message, generation: nodes[node]!.generation))
                sent.append("\(node)>\(to):\(message.type)")
            case .deliver(_, let effect):
                delivered[node, default: []].append(effect)
            case .scheduleTimer:
                break
            }
        }
    }

    @discardableResult
    mutating func lock(
        _ node: NodeID, _ name: ResourceName, _ mode: LockMode, flags: LockFlags = [], handle: UInt64 = 1,
        valueBlock: ValueBlock? = nil
    ) throws(DLMErrno) -> LockID {
        var directives: [NodeDirective] = []
        let request = LockRequest(
            owner: LockOwner(node: node, pid: 100, handle: handle), name: name, mode: mode, flags: flags,
            valueBlock: valueBlock)
        defer { absorb(directives, from: node) }
        return try nodes[node]!.lock(lockspace: lockspace, request, now: now, directives: &directives).lockID
    }

    mutating func convert(
        _ node: NodeID, _ id: LockID, _ mode: LockMode, flags: LockFlags = [], valueBlock: ValueBlock? = nil
    ) throws(DLMErrno) {
        var directives: [NodeDirective] = []
        let request = LockRequest(
            owner: LockOwner(node: node, pid: 100, handle: 1), name: try! ResourceName("x"), mode: mode,
            flags: flags.union(.convert), lockID: id, valueBlock: valueBlock)
        defer { absorb(directives, from: node) }
        _ = try nodes[node]!.lock(lockspace: lockspace, request, now: now, directives: &directives)
    }

    @discardableResult
    mutating func unlock(
        _ node: NodeID, _ id: LockID, flags: LockFlags = [], valueBlock: ValueBlock? = nil
    ) throws(DLMErrno) -> OperationOutcome {
        var directives: [NodeDirective] = []
        defer { absorb(directives, from: node) }
        return try nodes[node]!.unlock(
            lockspace: lockspace, lockID: id, flags: flags, valueBlock: valueBlock, now: now, directives: &directives)
    }

    mutating func tick(_ node: NodeID, after duration: Duration) {
        now = now.advanced(by: duration)
        var directives: [NodeDirective] = []
        nodes[node]!.onTick(now: now, directives: &directives)
        absorb(directives, from: node)
    }

    /// Delivers the oldest in-flight message on link `from → to`; returns its type.
    @discardableResult
    mutating func deliver(from: NodeID, to: NodeID) -> WireMessageType? {
        guard let index = network.firstIndex(where: { $0.from == from && $0.to == to }) else { return nil }
        let item = network.remove(at: index)
        var directives: [NodeDirective] = []
        nodes[to]!.onMessage(
            item.message, lockspace: lockspace, from: from, generation: item.generation, now: now, directives: &directives)
        absorb(directives, from: to)
        nodes[to]!.checkInvariants()
        return item.message.type
    }

    /// Delivers messages oldest first until the network is empty.
    mutating func settle() {
        while let first = network.first { deliver(from: first.from, to: first.to) }
        for node in nodes.values { node.checkInvariants() }
    }

    /// Types of the messages in flight, oldest first.
    var inFlight: [String] { network.map { "\($0.from)>\($0.to):\($0.message.type)" } }

    /// Completions delivered to `node`, as (lock id, status, granted mode).
    func completions(_ node: NodeID) -> [(LockID, CompletionStatus, LockMode?)] {
        (delivered[node] ?? []).compactMap {
            if case .completion(let c) = $0 { return (c.lockID, c.status, c.grantedMode) }
            return nil
        }
    }

    func statuses(_ node: NodeID, lock id: LockID) -> [CompletionStatus] {
        completions(node).filter { $0.0 == id }.map(\.1)
    }

    func basts(_ node: NodeID) -> [(LockID, LockMode)] {
        (delivered[node] ?? []).compactMap {
            if case .blocking(let b) = $0 { return (b.lockID, b.mode) }
            return nil
        }
    }

    func lastCompletion(_ node: NodeID) -> Completion? {
        for effect in (delivered[node] ?? []).reversed() { if case .completion(let c) = effect { return c } }
        return nil
    }
}
