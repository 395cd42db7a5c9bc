// dlmd — DLMSimulation: the seeded world: fake clock, event queue, N nodes whose messages really go
// through DLMWire's encoder/decoder and a ReliableSession per directed link, and the checkers.

import DLMCore
import DLMDirectory
import DLMEngine
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
    public var callErrors: [Int32: Int] = [:]
    public var linkDrops = 0
    public var endTimeNanoseconds: UInt64 = 0

    public var passed: Bool { violations.isEmpty }

    public var summary: String {
        let errors = callErrors.keys.sorted().map { "\(DLMErrno($0))=\(callErrors[$0]!)" }.joined(separator: ",")
        return "seed=\(seed) nodes=\(nodeCount) \(passed ? "ok" : "FAILED") messages=\(messagesDelivered) "
            + "completions=\(completions) dropped=\(framesDropped) linkDrops=\(linkDrops) callErrors=[\(errors)] "
            + "simulatedTime=\(endTimeNanoseconds / 1000)us"
    }
}

/// A lock message queued on a reliable session.
struct Outbound: Sendable {
    var lockspace: UInt32
    var message: WireMessage
}

enum SimulationEvent: Sendable {
    case arrive(from: Int, to: Int, epoch: Int, frame: ByteBuffer)
    case clientStep(Int)
    case tick(Int)
    case reconnect(Int, Int)
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

    public init(options: SimulationOptions) {
        self.options = options
        self.rng = SplitMix64(seed: options.seed)
        let members = Set((1...options.nodeCount).map { NodeID($0) })
        var configuration = LockspaceConfiguration(
            name: try! LockspaceName("sim"), noDirectory: options.noDirectory, tossDuration: options.toss)
        configuration.cacheTossDuration = options.toss * 3
        lockspace = configuration.globalID
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
        report.endTimeNanoseconds = now
        return report
    }

    /// Runs one event; returns the node whose state it changed (nil: none, or several).
    mutating func handle(_ event: SimulationEvent) -> Int? {
        switch event {
        case .arrive(let from, let to, let epoch, let frame):
            arrive(from: from, to: to, epoch: epoch, frame: frame)
            return to
        case .clientStep(let index):
            clientStep(index)
            return Int(clients[index].node) - 1
        case .tick(let node):
            armedTick[node] = nil
            var directives: [NodeDirective] = []
            nodes[node].onTick(now: MonotonicInstant(nanoseconds: now), directives: &directives)
            carryOut(directives, node: node)
            return node
        case .reconnect(let a, let b):
            reconnect(a, b)
            for node in nodes { node.checkInvariants() }
            return nil
        }
    }

    // MARK: - Directives

    mutating func carryOut(_ directives: [NodeDirective], node: Int) {
        for directive in directives {
            switch directive {
            case .send(let to, let lockspace, let message):
                let peer = Int(to) - 1
                let out = try! sessions[node][peer].send(Outbound(lockspace: lockspace, message: message))
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
