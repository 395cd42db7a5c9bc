// dlmd — DLMSimulation: the seeded world: fake clock, event queue, N nodes whose messages really go
// through DLMWire's encoder/decoder and a ReliableSession per directed link, and the checkers.

import DLMCore
import DLMDirectory
import DLMEngine
import DLMMembership
import DLMNode
import DLMWire
import NIOCore

/// What one simulated run found.
public struct SimulationReport: Sendable {
    public var seed: UInt64
    public var nodeCount: Int
    public var violations: [String]
    public var messagesDelivered = 0
    public var framesDropped = 0
    public var completions = 0
    /// EX/PW grants whose fencing token was checked to grow.
    public var fenceTokensChecked = 0
    public var callErrors: [Int32: Int] = [:]
    public var linkDrops = 0
    public var crashes = 0
    /// Symmetric and one-way partitions started, and nodes fenced (killed) while partitioned.
    public var partitions = 0
    public var oneWayPartitions = 0
    public var fencedPartitioned = 0
    public var endTimeNanoseconds: UInt64 = 0

    public var passed: Bool { violations.isEmpty }

    public var summary: String {
        let errors = callErrors.keys.sorted().map { "\(DLMErrno($0))=\(callErrors[$0]!)" }.joined(separator: ",")
        return "seed=\(seed) nodes=\(nodeCount) \(passed ? "ok" : "FAILED") messages=\(messagesDelivered) "
            + "completions=\(completions) dropped=\(framesDropped) linkDrops=\(linkDrops) crashes=\(crashes) "
            + "partitions=\(partitions)+\(oneWayPartitions) fenced=\(fencedPartitioned) callErrors=[\(errors)] "
            + "simulatedTime=\(endTimeNanoseconds / 1000)us"
    }
}

/// A lock message queued on a reliable session.
struct Outbound: Sendable {
    var lockspace: UInt32
    var message: WireMessage
    /// The sender's view generation when it sent the message.
    var generation: UInt64 = 1
}

enum SimulationEvent: Sendable {
    case arrive(from: Int, to: Int, epoch: Int, frame: ByteBuffer, generation: UInt64)
    case clientStep(Int)
    case tick(Int)
    case reconnect(Int, Int)
    case membership(from: Int, to: Int, MembershipMessage)
    case agentTick(Int)
    case crash(Int)
    case fence(Int, UInt32)
    case restart(Int)
    case startPartition
    case healPartition
    case fencePartitioned(Int, UInt32)
}

/// One seeded schedule. `run()` plays it to the end and returns the report.
public struct SimulationWorld {
    let options: SimulationOptions
    var rng: SplitMix64
    var now: UInt64 = 0
    var nodes: [DLMNode] = []
    let lockspace: UInt32
    let resources: [ResourceName]
    var sessions: [[ReliableSession<Outbound>]] = []
    var epochs: [[Int]] = []
    var lastArrival: [[UInt64]] = []
    var queue = EventQueue<SimulationEvent>()
    var clients: [SimulatedClient] = []
    var checker = ClusterChecker()
    var report: SimulationReport
    var stepsIssued = 0
    var armedTick: [UInt64?] = []
    var corrupted = false
    var nextHandle: UInt64 = 1
    let configuration: LockspaceConfiguration
    var agents: [MembershipAgent] = []
    var alive: [Bool] = []
    var incarnations: [UInt32] = []
    var highestGeneration: [UInt64] = []
    var lastFault: UInt64 = 0
    /// cut[a][b]: everything from a to b is dropped (an active partition).
    var cut: [[Bool]] = []

    public init(options: SimulationOptions) {
        self.options = options
        self.rng = SplitMix64(seed: options.seed)
        let members = Set((1...options.nodeCount).map { NodeID($0) })
        var configuration = LockspaceConfiguration(
            name: try! LockspaceName("sim"), noDirectory: options.noDirectory, tossDuration: options.toss)
        configuration.cacheTossDuration = options.toss * 3
        lockspace = configuration.globalID
        self.configuration = configuration
        resources = (0..<options.resourceCount).map { try! ResourceName("res\($0)") }
        report = SimulationReport(seed: options.seed, nodeCount: options.nodeCount, violations: [])
        for id in members.sorted() {
            var node = DLMNode(nodeID: id, membership: ClusterMembership(members: members))
            try! node.joinLockspace(configuration)
            nodes.append(node)
        }
        let n = options.nodeCount
        sessions = (0..<n).map { _ in (0..<n).map { _ in ReliableSession<Outbound>() } }
        epochs = Array(repeating: Array(repeating: 0, count: n), count: n)
        lastArrival = Array(repeating: Array(repeating: 0, count: n), count: n)
        armedTick = Array(repeating: nil, count: n)
        alive = Array(repeating: true, count: n)
        cut = Array(repeating: Array(repeating: false, count: n), count: n)
        incarnations = Array(repeating: 0, count: n)
        highestGeneration = Array(repeating: 1, count: n)
        let initial = MembershipView(generation: 1, members: (0..<n).map { Member(node: NodeID($0 + 1), incarnation: 0) })
        agents = (0..<n).map { makeAgent($0, incarnation: 0, initial: initial) }
        if options.faults {
            for node in 0..<n { queue.push(.agentTick(node), at: 0) }
            for _ in 0..<options.crashes {
                queue.push(.crash(Int.random(in: 0..<n, using: &rng)), at: UInt64.random(in: 1_000...20_000, using: &rng) * 1000)
            }
            for _ in 0..<options.partitions {
                queue.push(.startPartition, at: UInt64.random(in: 1_000...20_000, using: &rng) * 1000)
            }
        }
        for a in 0..<n {
            for b in 0..<n where a != b { _ = sessions[a][b].onConnected() }
        }
        for node in 0..<n {
            for c in 0..<options.clientsPerNode {
                clients.append(SimulatedClient(node: NodeID(node + 1), handle: nextHandle, pid: UInt32(1000 + c)))
                nextHandle += 1
                queue.push(.clientStep(clients.count - 1), at: UInt64.random(in: 0...1000, using: &rng))
            }
        }
    }

    /// Plays the schedule: client activity, then a drain, then quiescence and the toss time.
    public mutating func run() -> SimulationReport {
        var events = 0
        while let (time, event) = queue.pop() {
            now = max(now, time)
            let touched = handle(event)
            events += 1
            // Only the node an event ran on changed; checking it alone keeps 1,000 schedules fast.
            if let touched { nodes[touched].checkInvariants() }
            // Mastery views of the touched node every event; of the whole cluster every 16 events.
            if events % 16 == 0 || touched == nil {
                checkMasteryViews()
            } else if let touched {
                checkMasteryViews(of: touched)
            }
            if !checker.violations.isEmpty || events > 2_000_000 { break }
        }
        if checker.violations.isEmpty { finalChecks() }
        report.violations = checker.violations
        report.completions = checker.completions
        report.fenceTokensChecked = checker.tokensChecked
        report.endTimeNanoseconds = now
        return report
    }

    /// Runs one event; returns the node whose state it changed (nil: none, or several).
    mutating func handle(_ event: SimulationEvent) -> Int? {
        switch event {
        case .arrive(let from, let to, let epoch, let frame, let generation):
            arrive(from: from, to: to, epoch: epoch, frame: frame, generation: generation)
            return to
        case .clientStep(let index):
            guard alive[Int(clients[index].node) - 1] else { return nil }
            clientStep(index)
            return Int(clients[index].node) - 1
        case .tick(let node):
            guard alive[node] else { return nil }
            armedTick[node] = nil
            var directives: [NodeDirective] = []
            nodes[node].onTick(now: MonotonicInstant(nanoseconds: now), directives: &directives)
            carryOut(directives, node: node)
            return node
        case .reconnect(let a, let b):
            reconnect(a, b)
            for node in nodes { node.checkInvariants() }
            return nil
        case .membership(let from, let to, let message):
            membershipArrive(from: from, to: to, message)
            return to
        case .agentTick(let node):
            agentTick(node)
            return node
        case .crash(let node):
            crash(node)
            return nil
        case .fence(let node, let incarnation):
            fence(node, incarnation: incarnation)
            return nil
        case .restart(let node):
            restart(node)
            return node
        case .startPartition:
            startPartition()
            return nil
        case .healPartition:
            healPartition()
            return nil
        case .fencePartitioned(let node, let incarnation):
            fencePartitioned(node, incarnation: incarnation)
            return nil
        }
    }

    // MARK: - Directives

    mutating func carryOut(_ directives: [NodeDirective], node: Int) {
        for directive in directives {
            switch directive {
            case .send(let to, let lockspace, let message):
                let peer = Int(to) - 1
                let out = try! sessions[node][peer].send(Outbound(lockspace: lockspace, message: message, generation: nodes[node].generation))
                perform(out, at: node, peer: peer)
            case .deliver(_, let effect):
                deliver(effect, node: node)
            case .scheduleTimer(let at):
                arm(node, at: at.nanoseconds)
            }
        }
        if let deadline = nodes[node].nextDeadline { arm(node, at: deadline.nanoseconds) }
    }

    mutating func arm(_ node: Int, at time: UInt64) {
        let time = max(time, now)
        if let armed = armedTick[node], armed <= time { return }
        armedTick[node] = time
        queue.push(.tick(node), at: time)
    }
}
