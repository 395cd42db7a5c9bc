// dlmd — DLMTransport: what the transport reports about a peer, for membership.

import DLMCore

/// The state of the link to one peer, as reported through `PeerTransport.onPeerState`.
///
///     (none) ──authenticated──▶ up ──silent for heartbeatTimeout──▶ down ──authenticated──▶ up
///       │ └──not heard from within heartbeatTimeout of the start──▶ down
///       └─N failed dials / send queue overflow──▶ unreachable ──authenticated──▶ up
///
/// A peer that restarted (new incarnation) is reported `down` and then `up` again. A state is only
/// reported when it changes.
public enum PeerLinkState: Sendable, Hashable, CustomStringConvertible {
    /// An authenticated connection is established and the peer is heard from.
    case up
    /// The peer has been silent for the heartbeat timeout (or restarted).
    case down
    /// The peer could not be reached after the configured number of dial attempts, or its send queue
    /// overflowed; messages to it may have been lost.
    case unreachable

    public var description: String {
        switch self {
        case .up: return "up"
        case .down: return "down"
        case .unreachable: return "unreachable"
        }
    }
}
