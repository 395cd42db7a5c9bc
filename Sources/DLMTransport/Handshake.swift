// dlmd — DLMTransport: the authentication handshake of one connection, as a pure state machine.

import DLMCore
import DLMWire

/// Why a connection was refused during (or instead of) the handshake.
public enum HandshakeRefusal: String, Sendable, Hashable {
    /// The peer's cluster name differs from ours.
    case wrongCluster
    /// The claimed node id is not in our configuration (or is our own).
    case unknownNode
    /// The connection does not come from the configured address of the claimed node.
    case addressMismatch
    /// The node that answered is not the one we dialed.
    case wrongPeer
    /// The higher node id dialed; only the lower id connects (one connection per pair).
    case wrongDirection
    /// The frame header's sender differs from the HELLO's node id.
    case senderMismatch
    /// The MAC does not prove the shared secret.
    case badMAC
    /// Something other than the expected HELLO arrived before authentication.
    case unexpectedMessage
    /// No authentication within the handshake timeout.
    case helloTimeout
    /// `Limits.peerUnauthenticatedConnectionsMax` accepted connections are already in their handshake.
    case tooManyPending
}

/// One connection's handshake. The lower node id dials (initiator), the other accepts:
///
///     initiator                                   acceptor
///     start ── HELLO(I, nonceI, mac 0) ─────────▶ check cluster, I known, I < A, address
///           ◀── HELLO_REPLY(A, nonceA, macA) ──── (awaitingConfirm)
///     check cluster, A == dialed, macA
///     authenticated ── HELLO(I, nonceI, macI) ──▶ check macI → authenticated
///
/// Any other message, or any failed check, ends in `refused`; the shell closes the connection.
struct Handshake {
    /// The side of the connection.
    enum Role: Equatable {
        /// We dialed `peer`.
        case initiator(peer: NodeID)
        /// The peer dialed us.
        case acceptor
    }

    /// What the shell must do after an input.
    enum Outcome: Equatable {
        /// Write this link message (the handshake continues).
        case send(WireMessage)
        /// The peer is authenticated; write `reply` first if present.
        case authenticated(peer: NodeID, incarnation: UInt64, reply: WireMessage?)
        /// Close the connection.
        case refused(HandshakeRefusal)
    }

    private enum Step {
        case idle
        case awaitingReply
        case awaitingHello
        case awaitingConfirm(HandshakeProof.Transcript)
        case done
        case failed
    }

    let role: Role
    private let local: NodeID
    private let clusterName: String
    private let incarnation: UInt64
    private let nonce: [UInt8]
    private let proof: HandshakeProof
    private let peerHosts: [NodeID: String]
    private var step: Step

    /// - Parameters:
    ///   - peerHosts: configured address of every peer, by node id.
    ///   - nonce: this side's fresh random nonce (`Hello.nonceBytes`).
    init(
        role: Role, local: NodeID, clusterName: String, incarnation: UInt64, nonce: [UInt8],
        proof: HandshakeProof, peerHosts: [NodeID: String]
    ) {
        invariant(nonce.count == Hello.nonceBytes, "handshake nonce has the wrong length", dump: "\(nonce.count)")
        self.role = role
        self.local = local
        self.clusterName = clusterName
        self.incarnation = incarnation
        self.nonce = nonce
        self.proof = proof
        self.peerHosts = peerHosts
        step = role == .acceptor ? .awaitingHello : .idle
    }

    /// Whether the handshake finished successfully.
    var isAuthenticated: Bool {
        if case .done = step { return true }
        return false
    }

    /// The initiator's opening HELLO; `nil` for an acceptor.
    mutating func start() -> WireMessage? {
        guard case .initiator = role, case .idle = step else { return nil }
        step = .awaitingReply
        return .hello(hello(mac: Array(repeating: 0, count: Hello.macBytes)))
    }

    /// A frame arrived before authentication.
    /// - Parameters:
    ///   - sender: the frame header's sender.
    ///   - remoteHost: the connection's remote IP address.
    mutating func onMessage(_ message: WireMessage, sender: NodeID, remoteHost: String?) -> Outcome {
        switch (step, message) {
        case (.awaitingHello, .hello(let hello)):
            return onFirstHello(hello, sender: sender, remoteHost: remoteHost)
        case (.awaitingReply, .helloReply(let hello)):
            return onReply(hello, sender: sender)
        case (.awaitingConfirm(let transcript), .hello(let hello)):
            return onConfirm(hello, sender: sender, transcript: transcript)
        default:
            return refuse(.unexpectedMessage)
        }
    }

    // MARK: - Acceptor

    private mutating func onFirstHello(_ hello: Hello, sender: NodeID, remoteHost: String?) -> Outcome {
        guard hello.clusterName == clusterName else { return refuse(.wrongCluster) }
        guard sender == hello.node else { return refuse(.senderMismatch) }
        guard hello.node != local, let host = peerHosts[hello.node] else { return refuse(.unknownNode) }
        guard let remoteHost, Self.sameHost(remoteHost, host) else { return refuse(.addressMismatch) }
        guard hello.node < local else { return refuse(.wrongDirection) }
        let transcript = HandshakeProof.Transcript(
            clusterName: clusterName, initiator: hello.node, acceptor: local,
            initiatorIncarnation: hello.incarnation, acceptorIncarnation: incarnation,
            initiatorNonce: hello.nonce, acceptorNonce: nonce
        )
        step = .awaitingConfirm(transcript)
        return .send(.helloReply(self.hello(mac: proof.mac(.acceptor, transcript))))
    }

    private mutating func onConfirm(_ hello: Hello, sender: NodeID, transcript: HandshakeProof.Transcript) -> Outcome {
        guard sender == transcript.initiator, hello.node == transcript.initiator else { return refuse(.senderMismatch) }
        guard hello.clusterName == clusterName, hello.nonce == transcript.initiatorNonce,
            hello.incarnation == transcript.initiatorIncarnation,
            proof.verify(hello.mac, .initiator, transcript)
        else { return refuse(.badMAC) }
        step = .done
        return .authenticated(peer: transcript.initiator, incarnation: transcript.initiatorIncarnation, reply: nil)
    }

    // MARK: - Initiator

    private mutating func onReply(_ hello: Hello, sender: NodeID) -> Outcome {
        guard case .initiator(let dialed) = role else { return refuse(.unexpectedMessage) }
        guard hello.clusterName == clusterName else { return refuse(.wrongCluster) }
        guard sender == hello.node else { return refuse(.senderMismatch) }
        guard hello.node == dialed else { return refuse(.wrongPeer) }
        let transcript = HandshakeProof.Transcript(
            clusterName: clusterName, initiator: local, acceptor: dialed,
            initiatorIncarnation: incarnation, acceptorIncarnation: hello.incarnation,
            initiatorNonce: nonce, acceptorNonce: hello.nonce
        )
        guard proof.verify(hello.mac, .acceptor, transcript) else { return refuse(.badMAC) }
        step = .done
        let confirm = WireMessage.hello(self.hello(mac: proof.mac(.initiator, transcript)))
        return .authenticated(peer: dialed, incarnation: hello.incarnation, reply: confirm)
    }

    // MARK: - Helpers

    private func hello(mac: [UInt8]) -> Hello {
        Hello(node: local, clusterName: clusterName, nonce: nonce, mac: mac, incarnation: incarnation)
    }

    private mutating func refuse(_ reason: HandshakeRefusal) -> Outcome {
        step = .failed
        return .refused(reason)
    }

    /// Compares addresses, treating an IPv4-mapped IPv6 address as its IPv4 form.
    static func sameHost(_ remote: String, _ configured: String) -> Bool {
        let prefix = "::ffff:"
        let strip = { (host: String) -> String in host.hasPrefix(prefix) ? String(host.dropFirst(prefix.count)) : host }
        return strip(remote) == strip(configured)
    }
}
