// dlmd — DLMTransport: what a node's transport needs to know: itself, its peers, the secret, timing.

import DLMCore
import DLMWire

/// One configured peer: its node id and where it listens.
public struct PeerEndpoint: Sendable, Hashable {
    /// The peer's node id (≥ 1).
    public var node: NodeID
    /// Its address (numeric IPv4 or IPv6). Connections claiming this node id must come from it.
    public var host: String
    /// Its listening port; 0 = not known yet (the peer is not dialed until `updatePeer`).
    public var port: Int

    /// Creates an endpoint.
    public init(node: NodeID, host: String, port: Int) {
        self.node = node
        self.host = host
        self.port = port
    }
}

/// The configuration of one node's `PeerTransport`.
public struct TransportConfiguration: Sendable {
    /// This node's id.
    public var nodeID: NodeID
    /// Address to listen on.
    public var listenHost: String
    /// Port to listen on (0 = ephemeral, for tests).
    public var listenPort: Int
    /// Every other node of the cluster.
    public var peers: [PeerEndpoint]
    /// The cluster name; both sides of a link must agree.
    public var clusterName: String
    /// The shared secret (from `key_file=`).
    public var secret: SharedSecret
    /// Identifies this run of the daemon; peers reset their session when it changes.
    public var incarnation: UInt64
    /// A heartbeat is sent on a link idle for this long.
    public var heartbeatInterval: Duration = .seconds(1)
    /// A peer silent for this long is reported down.
    public var heartbeatTimeout: Duration = .seconds(5)
    /// A connection must authenticate within this time.
    public var handshakeTimeout: Duration = .seconds(5)
    /// First reconnect delay (before jitter); doubled per failed attempt.
    public var reconnectDelayInitial: Duration = .milliseconds(100)
    /// Largest reconnect delay (before jitter).
    public var reconnectDelayMax: Duration = .seconds(5)
    /// Consecutive failed dials after which a peer is reported unreachable.
    public var dialAttemptsBeforeUnreachable = 8
    /// Unacknowledged messages kept per peer before `send` refuses and the peer is reported unreachable.
    public var sendQueueDepthMax = Limits.peerSendQueueDepthMax
    /// A received frame's acknowledgement waits this long for an outgoing frame to carry it before a
    /// standalone ACK is written (zero: at the end of the read burst).
    public var acknowledgementDelay: Duration = Limits.peerAckDelay
    /// Seed of the reconnect jitter (a fixed seed makes the backoff schedule reproducible).
    public var jitterSeed: UInt64 = 0x646C_6D64

    /// A configuration with default timing.
    /// - Parameters:
    ///   - nodeID: this node's id.
    ///   - listenHost: address to listen on.
    ///   - listenPort: port to listen on (0 = ephemeral).
    ///   - peers: the other nodes.
    ///   - clusterName: the cluster name.
    ///   - secret: the shared secret.
    ///   - incarnation: this run's identifier.
    public init(
        nodeID: NodeID, listenHost: String, listenPort: Int, peers: [PeerEndpoint],
        clusterName: String, secret: SharedSecret, incarnation: UInt64
    ) {
        self.nodeID = nodeID
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.peers = peers
        self.clusterName = clusterName
        self.secret = secret
        self.incarnation = incarnation
    }

    /// Checks ids, the cluster name and the timing bounds.
    /// - Throws: `TransportConfigurationError` naming the first problem.
    public func validate() throws(TransportConfigurationError) {
        let nameBytes = clusterName.utf8.count
        guard nameBytes >= 1, nameBytes <= Hello.clusterNameBytesMax else { throw .clusterName(clusterName) }
        guard nodeID >= 1 else { throw .nodeID(nodeID) }
        var seen: Set<NodeID> = [nodeID]
        for peer in peers {
            guard peer.node >= 1, seen.insert(peer.node).inserted else { throw .nodeID(peer.node) }
        }
        guard acknowledgementDelay >= .zero, acknowledgementDelay < heartbeatInterval else {
            throw .timing("acknowledgement delay must be non-negative and below the heartbeat interval")
        }
        guard heartbeatInterval > .zero, heartbeatTimeout > heartbeatInterval else {
            throw .timing("heartbeat interval must be positive and below the timeout")
        }
        guard handshakeTimeout > .zero else { throw .timing("handshake timeout must be positive") }
        guard reconnectDelayInitial > .zero, reconnectDelayMax >= reconnectDelayInitial else {
            throw .timing("reconnect delays must be positive and ordered")
        }
        guard dialAttemptsBeforeUnreachable >= 1, sendQueueDepthMax >= 1 else {
            throw .timing("dial attempts and send queue depth must be positive")
        }
    }
}
