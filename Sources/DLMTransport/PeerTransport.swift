// dlmd — DLMTransport: authenticated, reliable TCP links to every peer node (the shell around
// `Handshake` and `ReliableSession`).

import DLMCore
import DLMWire
import Logging
import NIOCore
import NIOPosix

/// The node-to-node transport of one dlmd node.
///
/// Every node listens; the lower node id of each pair dials the higher one, so a pair shares one TCP
/// connection (TCP_NODELAY). A connection carries nothing but HELLOs until the handshake
/// (`Handshake`, docs/protocol.md §5.1) proves the shared secret. Sequenced messages go through one
/// `ReliableSession` per peer that survives reconnects: unacknowledged frames are resent on the next
/// connection and duplicates are dropped, so each message is delivered exactly once, in order, unless
/// the peer restarts (new incarnation: the session starts over) or its send queue overflows (the peer
/// is reported `.unreachable`).
///
/// Threading: every method must be called on `eventLoop`, and the callbacks run on it; all state is
/// owned by that one loop, with no locks and no hops. Frames are encoded into a per-peer buffer and
/// written and flushed once per event-loop tick. Not `Sendable`.
///
///     let transport = PeerTransport(configuration: config, eventLoop: loop, logger: logger)
///     transport.onMessage = { node, lockspace, message in … }
///     transport.onPeerState = { node, state in … }
///     let address = try await transport.start().get()
///     try transport.send(.request(lock), lockspace: id, to: 2)
///     try await transport.shutdown().get()
public final class PeerTransport {
    /// Called for each sequenced message from a peer, in order, exactly once: (sender, lockspace, message).
    public var onMessage: ((NodeID, UInt32, WireMessage) -> Void)?
    /// When set, called instead of `onMessage` for each sequenced message, with the view generation
    /// the sender tagged it with (nil when untagged): (sender, lockspace, generation, message).
    public var onTaggedMessage: ((NodeID, UInt32, UInt64?, WireMessage) -> Void)?
    /// Called for each unsequenced membership frame (VIEW_HEARTBEAT) from an authenticated peer.
    public var onLinkMessage: ((NodeID, WireMessage) -> Void)?
    /// Called when a peer's link state changes.
    public var onPeerState: ((NodeID, PeerLinkState) -> Void)?

    /// The loop that owns the transport.
    public let eventLoop: EventLoop
    let configuration: TransportConfiguration
    var logger: Logger
    let proof: HandshakeProof
    var peers: [NodeID: PeerState] = [:]
    var pending: [ObjectIdentifier: PeerConnection] = [:]
    var backoff: ReconnectBackoff
    var serverChannel: Channel?
    var heartbeatTask: RepeatedTask?
    var flushScheduled = false
    /// Buffers written and flushed so far (one per peer per tick with output); for tests and metrics.
    var flushCount = 0
    var isShutDown = false
    let allocator = ByteBufferAllocator()
    var nonceSource = SystemRandomNumberGenerator()

    /// Creates a transport; nothing happens until `start()`.
    /// - Parameters:
    ///   - configuration: a configuration that passed `validate()`.
    ///   - eventLoop: the loop that will own all state and run the callbacks.
    ///   - logger: the transport's logger.
    public init(configuration: TransportConfiguration, eventLoop: EventLoop, logger: Logger) {
        invariant(
            (try? configuration.validate()) != nil, "peer transport configuration was not validated",
            dump: "node \(configuration.nodeID) peers \(configuration.peers.map(\.node))"
        )
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.logger[metadataKey: "dlm.local"] = "\(configuration.nodeID)"
        proof = HandshakeProof(secret: configuration.secret)
        backoff = ReconnectBackoff(
            delayInitial: configuration.reconnectDelayInitial,
            delayMax: configuration.reconnectDelayMax,
            seed: configuration.jitterSeed
        )
        let now = NIODeadline.now()
        for endpoint in configuration.peers where endpoint.node != configuration.nodeID {
            peers[endpoint.node] = PeerState(
                endpoint: endpoint, queueDepthMax: configuration.sendQueueDepthMax, now: now, allocator: allocator
            )
        }
    }

    /// This node's id.
    public var nodeID: NodeID { configuration.nodeID }

    /// The address the transport listens on (after `start()`).
    public var localAddress: SocketAddress? { serverChannel?.localAddress }

    /// Starts listening, dialing the peers with higher ids, and the heartbeat timer.
    /// - Returns: a future of the bound listening address.
    public func start() -> EventLoopFuture<SocketAddress> {
        eventLoop.flatSubmit { self.startOnLoop() }
    }

    /// Sets or changes a peer's address (for example once a test knows an ephemeral port, or after a
    /// configuration reload). A new peer starts with an empty session; a known one keeps its session.
    public func updatePeer(_ endpoint: PeerEndpoint) {
        eventLoop.preconditionInEventLoop()
        guard endpoint.node != nodeID, !isShutDown else { return }
        if let state = peers[endpoint.node] {
            state.endpoint = endpoint
        } else {
            peers[endpoint.node] = PeerState(
                endpoint: endpoint, queueDepthMax: configuration.sendQueueDepthMax, now: .now(), allocator: allocator
            )
        }
        if serverChannel != nil, let state = peers[endpoint.node] { dial(state) }
    }

    /// Queues a sequenced message for `node`; it is written at the end of this event-loop tick if the
    /// link is up, and otherwise on the next authenticated connection. This node itself is not a peer
    /// (`unknownPeer`): the caller delivers its own messages locally.
    /// - Throws: `PeerTransportError` for an unknown peer, a link-level or invalid message, a full
    ///   send queue (the peer is then reported `.unreachable`), or after shutdown.
    public func send(
        _ message: WireMessage, lockspace: UInt32, to node: NodeID, generation: UInt64? = nil
    ) throws(PeerTransportError) {
        eventLoop.preconditionInEventLoop()
        guard !isShutDown else { throw .shutDown }
        guard message.type.isSequenced else { throw .notSequenced(message.type) }
        guard let state = peers[node] else { throw .unknownPeer(node) }
        do {
            try WireFrame(lockspace: lockspace, sender: nodeID, message: message, generation: generation).validate()
        } catch {
            throw .invalidMessage(error)
        }
        let directives: [ReliableSession<PeerMessage>.Directive]
        do {
            directives = try state.session.send(PeerMessage(lockspace: lockspace, message: message, generation: generation))
        } catch {
            if state.reported != .unreachable {
                logger.error("peer send queue full", metadata: ["dlm.node": "\(node)", "dlm.queue": "\(state.session.unacknowledgedCount)"])
            }
            report(.unreachable, for: state)
            throw .queueFull(node)
        }
        execute(directives, for: state)
    }

    /// Writes an unsequenced membership frame (VIEW_HEARTBEAT) to `node` if its link is up; it is
    /// dropped otherwise (liveness is only ever current).
    public func sendLink(_ message: WireMessage, to node: NodeID) {
        eventLoop.preconditionInEventLoop()
        guard !isShutDown, !message.type.isSequenced, message.type.isMembership, let state = peers[node] else { return }
        enqueue(WireFrame(lockspace: 0, sender: nodeID, acknowledgement: state.session.nextExpectedSequence, message: message), for: state)
    }

    /// The incarnation `node` announced in its last authenticated HELLO (nil: none since start or
    /// since `forgetIncarnation`).
    public func incarnation(of node: NodeID) -> UInt64? {
        eventLoop.preconditionInEventLoop()
        return peers[node]?.incarnation
    }

    /// The membership layer learned that `node` restarted before this transport did (a view with its
    /// new incarnation was committed elsewhere): start a fresh session now, so that what is sent from
    /// here on reaches the new incarnation instead of being discarded with the old session when it
    /// connects. Closes the link to the old incarnation, if one is still open.
    public func forgetIncarnation(of node: NodeID) {
        eventLoop.preconditionInEventLoop()
        guard let state = peers[node], !isShutDown else { return }
        logger.info("peer session reset for a new incarnation", metadata: ["dlm.node": "\(node)"])
        state.session = ReliableSession(queueDepthMax: configuration.sendQueueDepthMax)
        state.incarnation = nil
        state.output.clear()
        if let connection = state.connection {
            state.connection = nil
            close(connection)
            if state.reported == .up { report(.down, for: state) }
            scheduleReconnect(state)
        }
    }

    /// The link state last reported for `node` (`nil` before the first report).
    public func linkState(of node: NodeID) -> PeerLinkState? {
        eventLoop.preconditionInEventLoop()
        return peers[node]?.reported
    }

    /// Frames sent to `node` that it has not acknowledged yet.
    public func unacknowledgedCount(to node: NodeID) -> Int {
        eventLoop.preconditionInEventLoop()
        return peers[node]?.session.unacknowledgedCount ?? 0
    }

    /// Stops listening, cancels timers and closes every connection; queued frames are discarded.
    public func shutdown() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit { self.shutdownOnLoop() }
    }

    // MARK: - Session directives

    /// Carries out the reliable session's directives for `state`.
    func execute(_ directives: [ReliableSession<PeerMessage>.Directive], for state: PeerState) {
        for directive in directives {
            switch directive {
            case .transmit(let sequence, let acknowledgement, let payload):
                let frame = WireFrame(
                    lockspace: payload.lockspace, sender: nodeID, sequence: sequence,
                    acknowledgement: acknowledgement, message: payload.message, generation: payload.generation
                )
                enqueue(frame, for: state)
            case .sendAck(let acknowledgement):
                enqueue(WireFrame(lockspace: 0, sender: nodeID, acknowledgement: acknowledgement, message: .ack), for: state)
            case .deliver(let payload):
                if let onTaggedMessage {
                    onTaggedMessage(state.node, payload.lockspace, payload.generation, payload.message)
                } else {
                    onMessage?(state.node, payload.lockspace, payload.message)
                }
            case .dropped(let sequence, let reason):
                logger.trace("peer frame dropped", metadata: ["dlm.node": "\(state.node)", "dlm.seq": "\(sequence)", "dlm.reason": "\(reason)"])
            }
        }
    }

    /// Encodes a frame into the peer's output buffer (only while a connection is authenticated).
    func enqueue(_ frame: WireFrame, for state: PeerState) {
        guard state.connection != nil else { return }
        do {
            try frame.encode(into: &state.output)
        } catch {
            // `send` validated the message; a failure here is a bug, not an input error.
            invariant(false, "validated frame failed to encode", dump: "\(frame.type) \(error)")
        }
        state.lastSent = .now()
        scheduleFlush()
    }

    /// Arranges one flush of every peer's output at the end of this event-loop tick.
    func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.execute { self.flushAll() }
    }

    private func flushAll() {
        flushScheduled = false
        for state in peers.values where state.output.readableBytes > 0 {
            guard let connection = state.connection else {
                state.output.clear()
                continue
            }
            let bytes = state.output
            state.output = allocator.buffer(capacity: 0)
            flushCount += 1
            connection.channel.writeAndFlush(bytes, promise: nil)
        }
    }

    /// Reports a link state change (only changes are reported).
    func report(_ linkState: PeerLinkState, for state: PeerState) {
        guard state.reported != linkState else { return }
        state.reported = linkState
        logger.debug("peer link state", metadata: ["dlm.node": "\(state.node)", "dlm.state": "\(linkState)"])
        onPeerState?(state.node, linkState)
    }
}
