// dlmd — DLMTransport: listening, dialing with backoff, and the life of each connection.

import DLMCore
import DLMWire
import Logging
import NIOCore
import NIOPosix

extension PeerTransport {
    // MARK: - Start and shutdown

    func startOnLoop() -> EventLoopFuture<SocketAddress> {
        guard serverChannel == nil, !isShutDown else {
            return eventLoop.makeFailedFuture(ChannelError.alreadyClosed)
        }
        let bootstrap = ServerBootstrap(group: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try self.installHandlers(on: channel, role: .acceptor) }
            }
        return bootstrap.bind(host: configuration.listenHost, port: configuration.listenPort).flatMapThrowing { channel in
            self.serverChannel = channel
            guard let address = channel.localAddress else { throw ChannelError.unknownLocalAddress }
            self.logger.debug("peer transport listening", metadata: ["dlm.address": "\(address)"])
            self.heartbeatTask = self.eventLoop.scheduleRepeatedTask(
                initialDelay: .init(self.configuration.heartbeatInterval),
                delay: .init(self.configuration.heartbeatInterval)
            ) { _ in self.heartbeatTick() }
            for state in self.peers.values.sorted(by: { $0.node < $1.node }) { self.dial(state) }
            return address
        }
    }

    func shutdownOnLoop() -> EventLoopFuture<Void> {
        guard !isShutDown else { return eventLoop.makeSucceededVoidFuture() }
        isShutDown = true
        heartbeatTask?.cancel()
        heartbeatTask = nil
        var closing: [EventLoopFuture<Void>] = []
        for state in peers.values {
            state.reconnectTask?.cancel()
            state.reconnectTask = nil
            state.acknowledgementTimer?.cancel()
            state.acknowledgementTimer = nil
            if let connection = state.connection { closing.append(close(connection)) }
        }
        for connection in pending.values { closing.append(close(connection)) }
        if let serverChannel { closing.append(serverChannel.close().recover { _ in }) }
        return EventLoopFuture.andAllComplete(closing, on: eventLoop)
    }

    /// Closes a connection on purpose (its close is expected, nothing is logged).
    @discardableResult
    func close(_ connection: PeerConnection) -> EventLoopFuture<Void> {
        connection.isClosing = true
        connection.handshakeTimeout?.cancel()
        return connection.channel.close().recover { _ in }
    }

    func installHandlers(on channel: Channel, role: Handshake.Role) throws {
        let decoder = ByteToMessageHandler(
            WireFrameByteDecoder(), maximumBufferSize: Limits.peerReceiveBufferBytesMax
        )
        try channel.pipeline.syncOperations.addHandler(decoder)
        try channel.pipeline.syncOperations.addHandler(PeerChannelHandler(transport: self, role: role))
    }

    // MARK: - Dialing

    /// Dials `state` if this node is the lower id of the pair, the port is known and no connection or
    /// dial exists.
    func dial(_ state: PeerState) {
        guard !isShutDown, state.node > nodeID, state.endpoint.port != 0 else { return }
        guard state.connection == nil, !state.isDialing, state.reconnectTask == nil else { return }
        state.isDialing = true
        logger.trace("peer dial", metadata: ["dlm.node": "\(state.node)", "dlm.attempt": "\(state.failedDials)"])
        let peer = state.node
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.init(configuration.handshakeTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try self.installHandlers(on: channel, role: .initiator(peer: peer)) }
            }
            .connect(host: state.endpoint.host, port: state.endpoint.port)
            .whenFailure { error in
                self.logger.trace("peer dial failed", metadata: ["dlm.node": "\(peer)", "dlm.error": "\(error)"])
                self.dialFailed(state)
            }
    }

    /// A dial or an unauthenticated outgoing connection failed: count it and retry after the backoff.
    func dialFailed(_ state: PeerState) {
        state.isDialing = false
        state.failedDials += 1
        if state.failedDials >= configuration.dialAttemptsBeforeUnreachable { report(.unreachable, for: state) }
        scheduleReconnect(state)
    }

    func scheduleReconnect(_ state: PeerState) {
        guard !isShutDown, state.node > nodeID, state.reconnectTask == nil else { return }
        let delay = backoff.delay(attempt: max(0, state.failedDials - 1))
        state.reconnectTask = eventLoop.scheduleTask(in: .init(delay)) {
            state.reconnectTask = nil
            self.dial(state)
        }
    }

    // MARK: - Connection events

    /// A TCP connection became active: start its handshake and its timeout.
    func connectionOpened(channel: Channel, role: Handshake.Role) -> PeerConnection {
        var nonce = [UInt8](repeating: 0, count: Hello.nonceBytes)
        for index in nonce.indices { nonce[index] = UInt8.random(in: .min ... .max, using: &nonceSource) }
        let handshake = Handshake(
            role: role, local: nodeID, clusterName: configuration.clusterName,
            incarnation: configuration.incarnation, nonce: nonce, proof: proof,
            peerHosts: peers.mapValues { $0.endpoint.host }
        )
        let connection = PeerConnection(channel: channel, handshake: handshake)
        if role == .acceptor, pendingAcceptedCount >= Limits.peerUnauthenticatedConnectionsMax {
            refuse(connection, reason: .tooManyPending)
            return connection
        }
        pending[ObjectIdentifier(connection)] = connection
        if isShutDown {
            close(connection)
            return connection
        }
        connection.handshakeTimeout = eventLoop.scheduleTask(in: .init(configuration.handshakeTimeout)) {
            self.refuse(connection, reason: .helloTimeout)
        }
        if let hello = connection.handshake.start() { write(hello, on: connection, flush: true) }
        return connection
    }

    /// Accepted connections that have not authenticated yet.
    private var pendingAcceptedCount: Int {
        pending.values.reduce(0) { $0 + ($1.handshake.role == .acceptor ? 1 : 0) }
    }

    /// Writes a link message straight to a connection (handshake frames, before the session runs).
    func write(_ message: WireMessage, on connection: PeerConnection, flush: Bool) {
        let frame = WireFrame(lockspace: 0, sender: nodeID, message: message)
        guard let bytes = try? frame.encoded(allocator: allocator) else {
            invariant(false, "handshake frame failed to encode", dump: "\(frame.type)")
            return
        }
        if flush {
            connection.channel.writeAndFlush(bytes, promise: nil)
        } else {
            connection.channel.write(bytes, promise: nil)
        }
    }

    /// Logs why a connection is refused and closes it.
    func refuse(_ connection: PeerConnection, reason: HandshakeRefusal) {
        guard !connection.isClosing else { return }
        logger.warning(
            "peer link refused",
            metadata: [
                "dlm.reason": "\(reason.rawValue)",
                "dlm.address": "\(connection.remoteHost ?? "?")",
                "dlm.node": "\(connection.peer.map { "\($0)" } ?? "?")",
            ]
        )
        close(connection)
    }

    /// A decoder or channel error: log it and close the link.
    func connectionFailed(_ connection: PeerConnection, error: Error) {
        guard !connection.isClosing else { return }
        logger.warning(
            "peer link error",
            metadata: [
                "dlm.error": "\(error)",
                "dlm.address": "\(connection.remoteHost ?? "?")",
                "dlm.node": "\(connection.peer.map { "\($0)" } ?? "?")",
            ]
        )
        close(connection)
    }

    /// The channel closed: detach it from its peer; the dialing side reconnects.
    func connectionClosed(_ connection: PeerConnection) {
        connection.handshakeTimeout?.cancel()
        connection.isClosing = true
        pending.removeValue(forKey: ObjectIdentifier(connection))
        if let node = connection.peer, let state = peers[node], state.connection === connection {
            state.connection = nil
            state.session.onDisconnected()
            state.output.clear()
            logger.debug("peer link closed", metadata: ["dlm.node": "\(node)"])
            scheduleReconnect(state)
        } else if case .initiator(let node) = connection.handshake.role, connection.peer == nil,
            let state = peers[node]
        {
            dialFailed(state)
        }
    }
}
