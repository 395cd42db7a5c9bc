// dlmd — DLMTransport: everything the transport keeps about one peer across its connections.

import DLMCore
import DLMWire
import NIOCore

/// A sequenced message as the reliable session keeps it (both directions).
struct PeerMessage: Sendable {
    /// The lockspace global id of the frame.
    var lockspace: UInt32
    /// The message.
    var message: WireMessage
    /// The sender's view generation (protocol 1.2), nil when untagged.
    var generation: UInt64? = nil
}

/// Per-peer state owned by the transport's event loop. Not `Sendable`: touched only on that loop.
///
/// The reliable session outlives connections: frames not yet acknowledged are resent on the next
/// authenticated connection; a new peer incarnation replaces the session.
final class PeerState {
    /// Where the peer listens.
    var endpoint: PeerEndpoint
    /// Sequence numbers, acks and the resend queue.
    var session: ReliableSession<PeerMessage>
    /// The peer's incarnation from its last authenticated HELLO.
    var incarnation: UInt64?
    /// The authenticated connection, if any.
    var connection: PeerConnection?
    /// A dial or an unauthenticated outgoing connection is in progress.
    var isDialing = false
    /// The next dial, when waiting out the backoff.
    var reconnectTask: Scheduled<Void>?
    /// Consecutive failed dials.
    var failedDials = 0
    /// The last state reported through `onPeerState`.
    var reported: PeerLinkState?
    /// When a frame last arrived from the peer.
    var lastHeard: NIODeadline
    /// When a frame was last written to the peer.
    var lastSent: NIODeadline
    /// Frames encoded since the last flush.
    var output: ByteBuffer

    init(endpoint: PeerEndpoint, queueDepthMax: Int, now: NIODeadline, allocator: ByteBufferAllocator) {
        self.endpoint = endpoint
        session = ReliableSession(queueDepthMax: queueDepthMax)
        lastHeard = now
        lastSent = now
        output = allocator.buffer(capacity: 0)
    }

    /// The peer's node id.
    var node: NodeID { endpoint.node }
}

/// One TCP connection, before and after authentication. Not `Sendable`: event-loop confined.
final class PeerConnection {
    /// The channel.
    let channel: Channel
    /// The handshake (and which side we are).
    var handshake: Handshake
    /// The authenticated peer; `nil` until the handshake succeeds.
    var peer: NodeID?
    /// Closes the connection when the handshake takes too long.
    var handshakeTimeout: Scheduled<Void>?
    /// The connection was closed on purpose (replaced, refused or shut down).
    var isClosing = false

    init(channel: Channel, handshake: Handshake) {
        self.channel = channel
        self.handshake = handshake
    }

    /// The remote IP address, for the address check and logs.
    var remoteHost: String? { channel.remoteAddress?.ipAddress }
}
