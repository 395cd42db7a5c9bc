// Two LockspaceServices (nodes 1 and 2 of a static two-node membership) driven in-process, with
// every `.peer` output handed to the other service's `receivePeerMessage` until both are quiet: lock
// operations go through each service's DLMNode, callbacks cross nodes, a lockspace created only on
// node 1 is joined implicitly on node 2 when its name is known (configured), and `status`/`lockdebug`
// show the members, peer links and the master. Deterministic: no sockets, a fixed clock.

import DLMClientProtocol
import DLMCore
import DLMNode
import DLMServer
import DLMWire
import Logging
import Testing

@Suite("lockspace service routes through DLMNode across two nodes")
struct ServiceClusterRoutingTests {
    /// The two services and the frames each session received, in order.
    struct Pair {
        var services: [NodeID: LockspaceService]
        var received: [NodeID: [UInt64: [DaemonMessage]]] = [1: [:], 2: [:]]
        let now = MonotonicInstant(nanoseconds: 1_000_000_000)

        init(known: [LockspaceConfiguration] = []) {
            var made: [NodeID: LockspaceService] = [:]
            for node: NodeID in [1, 2] {
                var configuration = ServiceConfiguration(nodeID: node, clusterName: "pair")
                configuration.members = [1, 2]
                configuration.knownLockspaces = known
                var service = LockspaceService(configuration: configuration, logger: Logger(label: "pair"))
                service.connect(session: 1, credentials: PeerCredentials(pid: 100 + node, uid: 0, gid: 0))
                made[node] = service
            }
            services = made
        }

        /// Sends one request from session 1 on `node`, then delivers peer messages until quiet.
        /// - Returns: the request's own answer.
        mutating func call(_ node: NodeID, _ message: ClientRequest) -> DaemonMessage? {
            var output: [ServiceOutput] = []
            services[node]!.handle(session: 1, frame: RequestFrame(requestID: 7, message: message), now: now, output: &output)
            var answer: DaemonMessage?
            var queue: [(from: NodeID, output: ServiceOutput)] = output.map { (node, $0) }
            while !queue.isEmpty {
                let (from, next) = queue.removeFirst()
                switch next {
                case .send(let session, let frame):
                    if from == node && frame.requestID == 7 && answer == nil {
                        answer = frame.message
                    } else {
                        received[from]![session, default: []].append(frame.message)
                    }
                case .close, .membership, .fence, .expectIncarnation:
                    continue  // static membership: no membership traffic
                case .peer(let to, let lockspace, let message):
                    var more: [ServiceOutput] = []
                    services[to]!.receivePeerMessage(message, lockspace: lockspace, from: from, now: now, output: &more)
                    queue += more.map { (to, $0) }
                }
            }
            return answer
        }

        mutating func callbacks(_ node: NodeID) -> [DaemonMessage] {
            defer { received[node]![1] = [] }
            return received[node]![1] ?? []
        }
    }

    static func lock(_ mode: LockMode, _ name: String, basts: Bool = true) -> ClientRequest {
        .lock(LockCall(mode: UInt32(mode.rawValue), wantsBlockingCallbacks: basts, name: Array(name.utf8)))
    }

    @Test("EX on node 1 blocks EX on node 2; bast and grant cross nodes; status shows both members")
    func contention() throws {
        var pair = Pair()
        #expect(pair.call(1, .createLockspace(CreateLockspace(name: "default"))) == .result(RequestResult()))
        #expect(pair.call(2, .createLockspace(CreateLockspace(name: "default"))) == .result(RequestResult()))
        guard case .result(let first) = pair.call(1, Self.lock(.ex, "r")) else { Issue.record("no result"); return }
        #expect(pair.callbacks(1) == [.completion(CompletionCallback(lockID: first.lockID, status: .granted, grantedMode: .ex))])
        guard case .result(let second) = pair.call(2, Self.lock(.ex, "r")) else { Issue.record("no result"); return }
        #expect(second.errno == 0)
        #expect(pair.callbacks(2).isEmpty, "node 2 waits")
        #expect(pair.callbacks(1) == [.blocking(lockID: first.lockID, mode: .ex)])
        #expect(pair.call(1, .unlock(UnlockCall(lockID: first.lockID))) == .result(RequestResult()))
        #expect(pair.callbacks(1) == [.completion(CompletionCallback(lockID: first.lockID, status: .unlocked, grantedMode: nil))])
        #expect(pair.callbacks(2) == [.completion(CompletionCallback(lockID: second.lockID, status: .granted, grantedMode: .ex))])
        guard case .queryText(_, let status) = pair.call(2, .query(kind: .status, name: "")) else { Issue.record("status"); return }
        #expect(status.contains("members 1 2\n") && status.contains("peer 1 link connecting\n"), "\(status)")
        pair.services[2]!.notePeerState(1, "up")
        guard case .queryText(_, let later) = pair.call(2, .query(kind: .status, name: "")) else { Issue.record("status"); return }
        #expect(later.contains("peer 1 link up\n"))
    }

    @Test("a configured lockspace used only on node 1 is joined implicitly on node 2 (NODIR, master node 2)")
    func implicitJoin() throws {
        let name = try LockspaceName("served")
        var pair = Pair(known: [LockspaceConfiguration(name: name, noDirectory: true, masterWeights: [2: 1])])
        #expect(pair.call(1, .createLockspace(CreateLockspace(name: "served"))) == .result(RequestResult()))
        guard case .result(let held) = pair.call(1, Self.lock(.pr, "x")) else { Issue.record("no result"); return }
        #expect(pair.callbacks(1) == [.completion(CompletionCallback(lockID: held.lockID, status: .granted, grantedMode: .pr))])
        guard case .queryText(_, let master) = pair.call(2, .query(kind: .lockdebug, name: "served")) else {
            Issue.record("node 2 did not join")
            return
        }
        #expect(master.contains("\"x\"\nMaster node 2 (local)\nGranted\n00000001 PR node 1 pid 101 remote\n"), "\(master)")
        guard case .queryText(_, let holder) = pair.call(1, .query(kind: .lockdebug, name: "served")) else { return }
        #expect(holder.contains("\"x\"\nMaster node 2\n00000001 PR node 1 pid 101 remote "), "\(holder)")
    }
}
