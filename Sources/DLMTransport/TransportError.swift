// dlmd — DLMTransport: errors of the configuration and of `PeerTransport.send`.

import DLMCore
import DLMWire

/// Why a transport configuration or key file was refused.
public enum TransportConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key file could not be opened or read (`errno`).
    case keyFileUnreadable(path: String, errno: Int32)
    /// The key file is readable or writable by group or others (mode bits shown in octal).
    case keyFileInsecure(path: String, mode: UInt32)
    /// The key file is not a regular file.
    case keyFileNotRegular(path: String)
    /// The secret is shorter than `Limits.sharedSecretBytesMin` or longer than `Limits.sharedSecretBytesMax`.
    case secretLength(bytes: Int)
    /// The cluster name is empty or longer than `Hello.clusterNameBytesMax` bytes.
    case clusterName(String)
    /// Node ids must be ≥ 1 and unique, and our own id may not be listed as a peer.
    case nodeID(NodeID)
    /// Heartbeat interval, timeouts or backoff bounds are not positive or not ordered.
    case timing(String)

    public var description: String {
        switch self {
        case .keyFileUnreadable(let path, let errno): return "key file \(path) unreadable (errno \(errno))"
        case .keyFileInsecure(let path, let mode):
            return "key file \(path) has mode \(String(mode, radix: 8)); it must not be accessible by group or others"
        case .keyFileNotRegular(let path): return "key file \(path) is not a regular file"
        case .secretLength(let bytes):
            return "shared secret has \(bytes) bytes; \(Limits.sharedSecretBytesMin)...\(Limits.sharedSecretBytesMax) required"
        case .clusterName(let name): return "cluster name \"\(name)\" must be 1...\(Hello.clusterNameBytesMax) bytes"
        case .nodeID(let node): return "node id \(node) is invalid or duplicated"
        case .timing(let what): return "invalid timing: \(what)"
        }
    }
}

/// Why `PeerTransport.send` refused a message.
public enum PeerTransportError: Error, Sendable, Hashable {
    /// The node is not a configured peer.
    case unknownPeer(NodeID)
    /// Only sequenced (lock and recovery) messages may be sent; link messages belong to the transport.
    case notSequenced(WireMessageType)
    /// The message does not encode (a field out of range, or the frame too large).
    case invalidMessage(WireError)
    /// The peer's send queue is full; the peer is reported unreachable.
    case queueFull(NodeID)
    /// The transport was shut down.
    case shutDown
}
