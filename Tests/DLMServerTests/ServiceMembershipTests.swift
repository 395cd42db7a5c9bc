// Dynamic membership in the lockspace service, deterministic: three LockspaceServices with
// MembershipSettings, a fake clock ticking every 50 ms, and every `.membership`/`.peer` output
// delivered in order to its live target (lock and recovery frames tagged with the sender's view
// generation, as the 1.2 wire does). Checks: the first view forms without any configured view;
// a crashed node is excluded, with fencing disabled at once, with a fence agent only after the agent
// succeeded (a failed run is retried), and without an agent only after `fence_ack` (EPERM/ENOENT
// cases too); the waiter behind the crashed node's EX is granted; status shows generation, members,
// quorum, fencing and phases; a node refuses a proposal naming a member it cannot hear, or dropping
// a member of its view it still hears; a node that
// was only paused comes back excluded and stops for good (ENOTCONN), without being re-added.

import DLMClientProtocol
import DLMCore
import DLMServer
import DLMWire
import Logging
import Testing

@Suite("lockspace service runs membership, fencing and recovery")
struct ServiceMembershipTests {
    struct Cluster {
        var services: [NodeID: LockspaceService] = [:]
        var alive: Set<NodeID> = [1, 2, 3]
        var received: [NodeID: [DaemonMessage]] = [1: [], 2: [], 3: []]
        /// The same frames with the session they were sent to.
        var sessionFrames: [NodeID: [(session: UInt64, message: DaemonMessage)]] = [:]
        var fenceRuns: [(node: NodeID, incarnation: UInt32)] = []
        var clock: UInt64 = 1_000_000_000
        var now: MonotonicInstant { MonotonicInstant(nanoseconds: clock) }

        init(enableFencing: Bool, agentFor: Set<NodeID> = []) {
            for node: NodeID in [1, 2, 3] {
                var configuration = ServiceConfiguration(nodeID: node, clusterName: "three")
                configuration.members = [1, 2, 3]
                var commands: [NodeID: FenceCommand] = [:]
                for victim in agentFor { commands[victim] = FenceCommand(agent: "/bin/true", arguments: []) }
                configuration.membership = MembershipSettings(
                    incarnation: 100 + node, heartbeatInterval: .milliseconds(100), failureTimeout: .milliseconds(1000),
                    enableFencing: enableFencing, fenceCommands: commands, fenceRetryDelay: .milliseconds(500))
                var service = LockspaceService(configuration: configuration, logger: Logger(label: "three"))
                service.connect(session: 1, credentials: PeerCredentials(pid: 100 + node, uid: 0, gid: 0))
                service.connect(session: 2, credentials: PeerCredentials(pid: 200 + node, uid: 1000, gid: 1000))
                services[node] = service
            }
        }

        /// Delivers `outputs` of `from` and everything they cause, in order.
        mutating func deliver(_ outputs: [ServiceOutput], from: NodeID) {
            var queue = outputs.map { (from, $0, services[from]!.node.generation) }
            while !queue.isEmpty {
                let (sender, output, generation) = queue.removeFirst()
                var more: [ServiceOutput] = []
                switch output {
                case .send(let session, let frame):
                    received[sender]!.append(frame.message)
                    sessionFrames[sender, default: []].append((session, frame.message))
                case .membership(let to, let message):
                    guard alive.contains(to) else { continue }
                    services[to]!.receiveMembership(message, from: sender, now: now, output: &more)
                case .peer(let to, let lockspace, let message):
                    guard alive.contains(to) else { continue }
                    services[to]!.receivePeerMessage(message, lockspace: lockspace, from: sender, generation: generation, now: now, output: &more)
                case .fence(let node, let incarnation):
                    fenceRuns.append((node, incarnation))
                case .close, .expectIncarnation:
                    continue
                }
                // What a receiver produced comes from it, tagged with its generation right after the call.
                switch output {
                case .membership(let to, _), .peer(let to, _, _): queue += more.map { (to, $0, services[to]!.node.generation) }
                default: break
                }
            }
        }

        /// Advances the clock in 50 ms ticks for `milliseconds`, ticking every live node.
        mutating func run(milliseconds: Int) {
            for _ in 0..<(milliseconds / 50) {
                clock += 50_000_000
                for node in alive.sorted() {
                    var output: [ServiceOutput] = []
                    services[node]!.membershipTick(now: now, output: &output)
                    deliver(output, from: node)
                }
            }
        }

        /// One request from `session` on `node`; returns its answer (callbacks go to `received`).
        mutating func call(_ node: NodeID, _ message: ClientRequest, session: UInt64 = 1) -> DaemonMessage? {
            var output: [ServiceOutput] = []
            services[node]!.handle(session: session, frame: RequestFrame(requestID: 9, message: message), now: now, output: &output)
            var answer: DaemonMessage?
            var rest: [ServiceOutput] = []
            for item in output {
                if answer == nil, case .send(_, let frame) = item, frame.requestID == 9 { answer = frame.message } else { rest.append(item) }
            }
            deliver(rest, from: node)
            return answer
        }

        mutating func status(_ node: NodeID) -> String {
            guard case .queryText(_, let text) = call(node, .query(kind: .status, name: "")) else { return "" }
            return text
        }

        mutating func takeReceived(_ node: NodeID) -> [DaemonMessage] {
            defer { received[node] = [] }
            return received[node]!
        }

        /// Node 3 holds EX on "hot", node 1 waits for it; returns node 1's waiting lock id.
        mutating func hotWaiter() -> LockID {
            for node: NodeID in [1, 2, 3] { _ = call(node, .createLockspace(CreateLockspace(name: "default"))) }
            _ = call(3, ServiceMembershipTests.lock(.ex, "hot"))
            guard case .result(let waiting) = call(1, ServiceMembershipTests.lock(.ex, "hot")) else { return 0 }
            _ = takeReceived(1)
            _ = takeReceived(3)
            return waiting.lockID
        }
    }

    static func lock(_ mode: LockMode, _ name: String) -> ClientRequest {
        .lock(LockCall(mode: UInt32(mode.rawValue), name: Array(name.utf8)))
    }

    static func granted(_ id: LockID) -> DaemonMessage {
        .completion(CompletionCallback(lockID: id, status: .granted, grantedMode: .ex))
    }

    @Test("the first view forms from nothing; a crashed node is excluded at once with fencing disabled")
    func bootstrapAndCrashWithoutFencing() {
        var cluster = Cluster(enableFencing: false)
        #expect(cluster.status(1).contains("state joining\n"))
        cluster.run(milliseconds: 1000)
        for node: NodeID in [1, 2, 3] {
            let status = cluster.status(node)
            #expect(status.contains("members 1 2 3\n") && status.contains("state running\n") && status.contains("quorate 1\n"), "\(status)")
        }
        let waiter = cluster.hotWaiter()
        #expect(cluster.takeReceived(1).isEmpty)
        cluster.alive.remove(3)
        cluster.run(milliseconds: 2000)
        #expect(cluster.takeReceived(1).contains(Self.granted(waiter)))
        let status = cluster.status(1)
        #expect(status.contains("members 1 2\n") && status.contains("fencing_wait none\n") && status.contains("state running\n"), "\(status)")
        #expect(!cluster.services[1]!.takeFinishedRecoveries().isEmpty)
        // The "crashed" node was only paused: when it comes back it learns it was left out, and stops
        // for good; the others ignore its fenced incarnation instead of re-adding it.
        cluster.alive.insert(3)
        cluster.run(milliseconds: 1000)
        let zombie = cluster.status(3)
        #expect(zombie.contains("state removed\n") && zombie.contains("lockspace default state inquorate"), "\(zombie)")
        #expect(cluster.call(3, Self.lock(.pr, "other")) == .result(.failure(.ENOTCONN)))
        #expect(cluster.status(1).contains("members 1 2\n"))
    }

    @Test("with a fence agent the view waits for the agent's success; a failed run is retried")
    func fenceAgentGate() {
        var cluster = Cluster(enableFencing: true, agentFor: [3])
        cluster.run(milliseconds: 1000)
        let waiter = cluster.hotWaiter()
        cluster.alive.remove(3)
        cluster.run(milliseconds: 1500)
        #expect(cluster.fenceRuns.count == 1 && cluster.fenceRuns.first?.node == 3, "only node 1 runs the agent, once")
        #expect(cluster.status(1).contains("fencing_wait 3#103\n") && cluster.status(2).contains("state fencing\n"))
        #expect(cluster.takeReceived(1).isEmpty, "nothing is granted before fencing")
        var output: [ServiceOutput] = []
        cluster.services[1]!.fenceAgentFinished(node: 3, incarnation: 103, success: false, now: cluster.now, output: &output)
        cluster.deliver(output, from: 1)
        cluster.run(milliseconds: 1000)
        #expect(cluster.fenceRuns.count == 2, "the failed run is retried after fenceRetryDelay")
        output = []
        cluster.services[1]!.fenceAgentFinished(node: 3, incarnation: 103, success: true, now: cluster.now, output: &output)
        cluster.deliver(output, from: 1)
        cluster.run(milliseconds: 500)
        #expect(cluster.takeReceived(1).contains(Self.granted(waiter)))
        #expect(cluster.status(2).contains("members 1 2\n"), "node 2 learned the fencing from node 1 (VIEW_FENCED)")
    }

    @Test("without an agent the view waits for fence_ack (root only; ENOENT for a node not waiting)")
    func fenceAckGate() {
        var cluster = Cluster(enableFencing: true)
        cluster.run(milliseconds: 1000)
        let waiter = cluster.hotWaiter()
        cluster.alive.remove(3)
        cluster.run(milliseconds: 2000)
        #expect(cluster.fenceRuns.isEmpty && cluster.takeReceived(1).isEmpty)
        #expect(cluster.status(2).contains("fencing_wait 3#103\n"))
        #expect(cluster.call(2, .fenceAck(nodeID: 3), session: 2) == .result(.failure(.EPERM)))
        #expect(cluster.call(2, .fenceAck(nodeID: 1)) == .result(.failure(.ENOENT)))
        #expect(cluster.call(2, .fenceAck(nodeID: 3)) == .result(RequestResult()))
        cluster.run(milliseconds: 500)
        #expect(cluster.takeReceived(1).contains(Self.granted(waiter)))
        #expect(cluster.status(1).contains("members 1 2\n"))
    }

    @Test("a proposal naming a member this node cannot hear is refused with VIEW_NACK")
    func proposalWithUnheardMemberRefused() {
        var cluster = Cluster(enableFencing: false)
        let proposal = ViewPayload(
            generation: 5, members: [ViewMember(node: 1, incarnation: 101), ViewMember(node: 2, incarnation: 102), ViewMember(node: 3, incarnation: 103)])
        var output: [ServiceOutput] = []
        cluster.services[2]!.receiveMembership(.viewStop(proposal), from: 1, now: cluster.now, output: &output)
        #expect(output == [.membership(to: 1, message: .viewNack(highest: 5))])
        cluster.services[2]!.receiveMembership(.viewHeartbeat(incarnation: 103, generation: 0), from: 3, now: cluster.now, output: &output)
        output = []
        cluster.services[2]!.receiveMembership(.viewStop(proposal), from: 1, now: cluster.now, output: &output)
        #expect(output == [.membership(to: 1, message: .viewNack(highest: 5))], "the proposer itself must have been heard too")
        cluster.services[2]!.receiveMembership(.viewHeartbeat(incarnation: 101, generation: 0), from: 1, now: cluster.now, output: &output)
        output = []
        cluster.services[2]!.receiveMembership(.viewStop(proposal), from: 1, now: cluster.now, output: &output)
        #expect(output == [.membership(to: 1, message: .viewStopAck(generation: 5))])
    }

    @Test("a proposal that drops a member this node still hears is refused; once it is silent it is accepted")
    func proposalDroppingALiveMemberRefused() {
        var cluster = Cluster(enableFencing: false)
        cluster.run(milliseconds: 1000)
        let generation = UInt64(cluster.status(2).split(separator: "\n").first { $0.hasPrefix("generation ") }!.dropFirst(11))!
        let proposal = ViewPayload(
            generation: generation + 10, members: [ViewMember(node: 1, incarnation: 101), ViewMember(node: 2, incarnation: 102)])
        var output: [ServiceOutput] = []
        cluster.services[2]!.receiveMembership(.viewStop(proposal), from: 1, now: cluster.now, output: &output)
        #expect(output == [.membership(to: 1, message: .viewNack(highest: generation + 10))])
        cluster.alive.remove(3)
        cluster.run(milliseconds: 1500)
        let later = ViewPayload(generation: generation + 100, members: proposal.members)
        output = []
        cluster.services[2]!.receiveMembership(.viewStop(later), from: 1, now: cluster.now, output: &output)
        #expect(output == [.membership(to: 1, message: .viewStopAck(generation: generation + 100))])
    }
}
