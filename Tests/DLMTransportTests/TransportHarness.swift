// Test support (no tests here): runs several real PeerTransports on one event loop over 127.0.0.1
// with ephemeral ports, records what each delivers and reports, captures logs, and polls for
// conditions with a deadline so no test can hang.

import DLMCore
@preconcurrency import DLMTransport
import DLMWire
import InMemoryLogging
import Logging
import NIOCore
import NIOPosix

/// What one transport delivered and reported (touched only on the loop).
final class TransportRecorder: @unchecked Sendable {
    var messages: [(from: NodeID, lockspace: UInt32, message: WireMessage)] = []
    var states: [(node: NodeID, state: PeerLinkState)] = []
    /// Messages received per sender, kept incrementally so polling it costs nothing on the loop.
    var counts: [NodeID: Int] = [:]

    func record(_ from: NodeID, _ lockspace: UInt32, _ message: WireMessage) {
        messages.append((from, lockspace, message))
        counts[from, default: 0] += 1
    }

    func count(from node: NodeID) -> Int { counts[node] ?? 0 }

    /// The `pid` field of every PURGE from `node`, in arrival order (tests number messages with it).
    func sequence(from node: NodeID) -> [UInt32] {
        messages.filter { $0.from == node }.compactMap { $0.message.lockMessage?.pid }
    }

    func lastState(of node: NodeID) -> PeerLinkState? { states.last { $0.node == node }?.state }
}

/// Several transports on one event loop.
final class TransportHarness: @unchecked Sendable {
    static let secret = try! SharedSecret(bytes: Array(repeating: 0x5A, count: 32))

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let logs = InMemoryLogHandler()
    var loop: EventLoop { group.any() }
    var transports: [NodeID: PeerTransport] = [:]
    var recorders: [NodeID: TransportRecorder] = [:]
    var ports: [NodeID: Int] = [:]
    var configuredPeers: [NodeID: Set<NodeID>] = [:]

    /// A cluster name of this harness only, so concurrently running tests can never join each other
    /// (a port freed by one test may be reused by another).
    let cluster = "test-\(UInt64.random(in: 0...UInt64.max))"

    /// A configuration with short timers for tests; peers get port 0 until `connect`.
    func configuration(
        node: NodeID, peers: [NodeID], cluster: String? = nil, secret: SharedSecret = TransportHarness.secret,
        incarnation: UInt64 = 1, peerHost: String = "127.0.0.1", heartbeatTimeout: Duration = .milliseconds(600)
    ) -> TransportConfiguration {
        var config = TransportConfiguration(
            nodeID: node, listenHost: "127.0.0.1", listenPort: 0,
            peers: peers.map { PeerEndpoint(node: $0, host: peerHost, port: 0) },
            clusterName: cluster ?? self.cluster, secret: secret, incarnation: incarnation
        )
        config.heartbeatInterval = .milliseconds(100)
        config.heartbeatTimeout = heartbeatTimeout
        config.handshakeTimeout = .seconds(2)
        config.reconnectDelayInitial = .milliseconds(20)
        config.reconnectDelayMax = .milliseconds(200)
        config.dialAttemptsBeforeUnreachable = 3
        return config
    }

    /// Creates and starts a transport; returns its listening port.
    @discardableResult
    func start(_ config: TransportConfiguration) async throws -> Int {
        var logger = Logger(label: "dlmd.transport.test", factory: { _ in self.logs })
        logger.logLevel = .debug
        let recorder = TransportRecorder()
        let address = try await loop.flatSubmit {
            let transport = PeerTransport(configuration: config, eventLoop: self.loop, logger: logger)
            transport.onMessage = { recorder.record($0, $1, $2) }
            transport.onPeerState = { recorder.states.append(($0, $1)) }
            self.transports[config.nodeID] = transport
            self.recorders[config.nodeID] = recorder
            return transport.start()
        }.get()
        ports[config.nodeID] = address.port!
        configuredPeers[config.nodeID] = Set(config.peers.map(\.node))
        return address.port!
    }

    /// Tells every transport the ports of every other (only for nodes each one has configured).
    func connect(host: String = "127.0.0.1") async throws {
        try await loop.submit {
            for (node, transport) in self.transports {
                for (peer, port) in self.ports where self.configuredPeers[node]!.contains(peer) {
                    transport.updatePeer(PeerEndpoint(node: peer, host: host, port: port))
                }
            }
        }.get()
    }

    /// Runs `body` on the loop.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await loop.submit(body).get()
    }

    /// Polls `condition` on the loop every 20 ms until it holds or `timeout` passes.
    func waitUntil(timeout: Duration = .seconds(5), _ condition: @escaping @Sendable () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await onLoop(condition) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await onLoop(condition)
    }

    /// Whether every pair of started transports reports the other up.
    func allUp() -> Bool {
        transports.keys.allSatisfy { node in
            transports.keys.filter { $0 != node }.allSatisfy { transports[node]!.linkState(of: $0) == .up }
        }
    }

    /// Sends PURGE messages numbered `range` (in the `pid` field) from `from` to `to`.
    func sendNumbered(_ range: Range<UInt32>, from: NodeID, to: NodeID, lockspace: UInt32 = 7) throws {
        let transport = transports[from]!
        for number in range {
            var lock = LockMessage(name: try ResourceName("r\(number % 17)"))
            lock.node = from
            lock.pid = number
            try transport.send(.purge(lock), lockspace: lockspace, to: to)
        }
    }

    /// Stops one transport (it keeps its recorder).
    func stop(_ node: NodeID) async throws {
        try await loop.flatSubmit {
            let transport = self.transports.removeValue(forKey: node)!
            return transport.shutdown()
        }.get()
    }

    /// Log messages with `reason` metadata equal to `reason`.
    func refusals(_ reason: String) -> Int {
        logs.entries.filter { $0.message == "peer link refused" && $0.metadata["dlm.reason"] == "\(reason)" }.count
    }

    /// Prints warnings and errors (for diagnosing a failed test).
    func printProblems() {
        for entry in logs.entries where entry.level >= .info {
            print("LOG \(entry.level) \(entry.message) \(entry.metadata)")
        }
    }

    func shutdown() async throws {
        try await loop.flatSubmit {
            let all = self.transports.values.map { $0.shutdown() }
            self.transports = [:]
            return EventLoopFuture.andAllComplete(all, on: self.loop)
        }.get()
        try await group.shutdownGracefully()
    }
}

/// Runs `body` with a harness and always shuts it down.
func withHarness(_ body: (TransportHarness) async throws -> Void) async throws {
    let harness = TransportHarness()
    do {
        try await body(harness)
    } catch {
        try? await harness.shutdown()
        throw error
    }
    try await harness.shutdown()
}
