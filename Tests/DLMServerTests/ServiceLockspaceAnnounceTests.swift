// Tests lockspaces known across the cluster and remote LKF_TIMEOUT with two LockspaceServices
// (nodes 1 and 2) driven in-process (deterministic, a fixed clock, no sockets): a lockspace created
// only on node 1 is announced and joined by node 2 with its NODIR flag; a message for a lockspace
// id node 2 does not know is held, node 1 is asked (LOCKSPACE_QUERY) and the held message replays
// after the ANNOUNCE; a link coming up re-announces every joined lockspace; releasing on the last
// local user keeps remote users working; a remotely mastered wait with LKF_TIMEOUT ends ETIMEDOUT.

import DLMClientProtocol
import DLMCore
import DLMNode
import DLMServer
import DLMWire
import Logging
import Testing

@Suite("lockspaces known across the cluster, remote timeouts")
struct ServiceLockspaceAnnounceTests {
    /// Two services; `route` delivers peer outputs until quiet, optionally dropping some.
    struct Net {
        var services: [NodeID: LockspaceService] = [:]
        var callbacks: [NodeID: [DaemonMessage]] = [1: [], 2: []]
        var peerTypes: [WireMessageType] = []
        var now = MonotonicInstant(nanoseconds: 1_000_000_000)

        init() {
            for node: NodeID in [1, 2] {
                var configuration = ServiceConfiguration(nodeID: node, clusterName: "pair")
                configuration.members = [1, 2]
                configuration.tossDuration = .seconds(7)
                var service = LockspaceService(configuration: configuration, logger: Logger(label: "announce"))
                service.connect(session: 1, credentials: PeerCredentials(pid: 100 + node, uid: 0, gid: 0))
                services[node] = service
            }
        }

        /// One request of session 1 on `node`; returns its answer after peer traffic settles.
        mutating func call(
            _ node: NodeID, _ message: ClientRequest, session: UInt64 = 1, drop: (WireMessage) -> Bool = { _ in false }
        ) -> DaemonMessage? {
            var output: [ServiceOutput] = []
            services[node]!.handle(session: session, frame: RequestFrame(requestID: 9, message: message), now: now, output: &output)
            return route(output, from: node, answerOf: 9, drop: drop)
        }

        @discardableResult
        mutating func route(
            _ output: [ServiceOutput], from node: NodeID, answerOf requestID: UInt32? = nil,
            drop: (WireMessage) -> Bool = { _ in false }
        ) -> DaemonMessage? {
            var answer: DaemonMessage?
            var queue = output.map { (from: node, output: $0) }
            while !queue.isEmpty {
                let (from, next) = queue.removeFirst()
                switch next {
                case .send(_, let frame):
                    if from == node && frame.requestID == requestID && answer == nil && requestID != nil {
                        answer = frame.message
                    } else {
                        callbacks[from]!.append(frame.message)
                    }
                case .close, .membership, .expectIncarnation, .fence:
                    continue
                case .peer(let to, let lockspace, let message):
                    peerTypes.append(message.type)
                    if drop(message) { continue }
                    var more: [ServiceOutput] = []
                    services[to]!.receivePeerMessage(message, lockspace: lockspace, from: from, now: now, output: &more)
                    queue += more.map { (to, $0) }
                }
            }
            return answer
        }

        mutating func takeCallbacks(_ node: NodeID) -> [DaemonMessage] {
            defer { callbacks[node] = [] }
            return callbacks[node]!
        }
    }

    static func lock(_ mode: LockMode, _ name: String, flags: LockFlags = [], timeout: UInt32 = 0) -> ClientRequest {
        .lock(LockCall(mode: UInt32(mode.rawValue), flags: flags, timeoutCentiseconds: timeout, wantsBlockingCallbacks: true, name: Array(name.utf8)))
    }

    static let id = LockspaceConfiguration(name: try! LockspaceName("fresh")).globalID

    @Test("a lockspace created only on node 1 is announced and node 2 joins it with NODIR")
    func announceAtCreate() throws {
        var net = Net()
        let create = CreateLockspace(flags: .noDirectory, valueBlockLength: 64, name: "fresh")
        #expect(net.call(1, .createLockspace(create)) == .result(RequestResult()))
        #expect(net.peerTypes == [.lockspaceAnnounce])
        let joined = net.services[2]!.node.configuration(ofLockspace: Self.id)
        #expect(joined?.noDirectory == true && joined?.valueBlockLength == 64)
        #expect(joined?.tossDuration == .seconds(7), "each node applies its own toss_secs")
        // NODIR over members 1 and 2: some of these names are mastered on node 2, and all are granted.
        for index in 0..<8 {
            guard case .result(let result) = net.call(1, Self.lock(.ex, "r\(index)")) else { Issue.record("lock"); return }
            #expect(result.errno == 0)
        }
        #expect(net.takeCallbacks(1).filter { if case .completion(let c) = $0 { c.status == .granted } else { false } }.count == 8)
        #expect(!net.services[2]!.node.masteredResourceNames(lockspace: Self.id).isEmpty)
    }

    @Test("a message for an unknown lockspace is held, the sender queried, and replayed after the announce")
    func heldUntilAnnounced() throws {
        var net = Net()
        let create = CreateLockspace(flags: .noDirectory, name: "fresh")
        #expect(net.call(1, .createLockspace(create), drop: { $0.type == .lockspaceAnnounce }) == .result(RequestResult()))
        #expect(!net.services[2]!.node.hasJoined(lockspace: Self.id))
        net.peerTypes = []
        for index in 0..<8 {
            guard case .result(let result) = net.call(1, Self.lock(.pr, "h\(index)")) else { Issue.record("lock"); return }
            #expect(result.errno == 0)
        }
        #expect(net.peerTypes.contains(.lockspaceQuery) && net.peerTypes.contains(.lockspaceAnnounce))
        #expect(net.peerTypes.filter { $0 == .lockspaceQuery }.count == 1, "one query per sender and id")
        #expect(net.services[2]!.node.hasJoined(lockspace: Self.id))
        let granted = net.takeCallbacks(1).filter { if case .completion(let c) = $0 { c.status == .granted } else { false } }
        #expect(granted.count == 8)
    }

    @Test("a link coming up announces every joined lockspace to that peer")
    func linkUpAnnounces() throws {
        var net = Net()
        #expect(net.call(1, .createLockspace(CreateLockspace(name: "fresh"))) == .result(RequestResult()))
        var output: [ServiceOutput] = []
        net.services[1]!.peerLinkUp(2, output: &output)
        let announced = output.compactMap { item -> UInt32? in
            if case .peer(2, let lockspace, .lockspaceAnnounce(let a)) = item, a.name.value == "fresh" { return lockspace }
            return nil
        }
        #expect(announced == [Self.id])
    }

    @Test("the last local user releasing does not break a remote user mastered here")
    func releaseKeepsRemoteUsers() throws {
        var net = Net()
        #expect(net.call(1, .createLockspace(CreateLockspace(name: "fresh"))) == .result(RequestResult()))
        guard case .result(let local) = net.call(1, Self.lock(.pr, "shared")) else { Issue.record("lock"); return }
        #expect(net.call(2, .createLockspace(CreateLockspace(name: "fresh"))) == .result(RequestResult()))
        guard case .result(let remote) = net.call(2, Self.lock(.pr, "shared")) else { Issue.record("lock"); return }
        #expect(net.call(1, .unlock(UnlockCall(lockID: local.lockID))) == .result(RequestResult()))
        #expect(net.call(1, .releaseLockspace(force: 0)) == .result(RequestResult()))
        _ = net.takeCallbacks(2)
        guard case .result(let converted) = net.call(2, Self.lock(.ex, "shared", flags: .convert).withLockID(remote.lockID)) else {
            Issue.record("convert")
            return
        }
        #expect(converted.errno == 0)
        #expect(net.takeCallbacks(2) == [.completion(CompletionCallback(lockID: remote.lockID, status: .granted, grantedMode: .ex))])
    }

    @Test("a wait with LKF_TIMEOUT mastered on the other node ends ETIMEDOUT on the master's timer")
    func remoteTimeout() throws {
        var net = Net()
        #expect(net.call(1, .createLockspace(CreateLockspace(name: "fresh"))) == .result(RequestResult()))
        #expect(net.call(2, .createLockspace(CreateLockspace(name: "fresh"))) == .result(RequestResult()))
        guard case .result(let holder) = net.call(1, Self.lock(.ex, "t")) else { Issue.record("lock"); return }
        #expect(holder.errno == 0)
        guard case .result(let waiter) = net.call(2, Self.lock(.ex, "t", flags: .timeout, timeout: 50)) else {
            Issue.record("lock")
            return
        }
        #expect(net.takeCallbacks(2).isEmpty, "node 2 waits")
        let deadline = net.services[1]!.nextTimeoutDeadline
        #expect(deadline != nil && deadline! <= net.now.advanced(by: .milliseconds(500)))
        net.now = net.now.advanced(by: .milliseconds(600))
        var output: [ServiceOutput] = []
        net.services[1]!.expireTimeouts(now: net.now, output: &output)
        net.route(output, from: 1)
        #expect(net.takeCallbacks(2) == [.completion(CompletionCallback(lockID: waiter.lockID, status: .timedOut, grantedMode: nil))])
    }
}

extension ClientRequest {
    /// The same lock call addressed to `lockID` (a conversion).
    func withLockID(_ lockID: LockID) -> ClientRequest {
        guard case .lock(var call) = self else { return self }
        call.lockID = lockID
        return .lock(call)
    }
}
