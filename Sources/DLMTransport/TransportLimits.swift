// dlmd — DLMTransport: bounds of the peer transport, kept with the other limits under `Limits`.

import DLMCore

extension Limits {
    /// Shortest accepted shared secret, in bytes.
    public static let sharedSecretBytesMin = 32
    /// Longest accepted key file, in bytes (refused before reading more).
    public static let sharedSecretBytesMax = 4096
    /// Accepted connections allowed to be in their handshake at once; more are closed at once, so a
    /// stranger cannot exhaust memory or descriptors with silent connections.
    public static let peerUnauthenticatedConnectionsMax = 64
    /// Bytes the inbound frame decoder of a peer link may buffer (two maximal frames).
    public static let peerReceiveBufferBytesMax = 2 * Limits.peerFrameBytesMax
    /// How long a received frame may wait for its acknowledgement to ride on an outgoing frame's
    /// header before a standalone ACK is written (a reply or the next request usually carries it
    /// sooner; `Limits.peerAckEveryFrames` delivered frames force an ACK at once).
    public static let peerAckDelay: Duration = .milliseconds(2)
}
