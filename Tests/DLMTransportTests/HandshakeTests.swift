// Tests the pure handshake state machine without sockets: two machines driven against each other
// authenticate with matching secrets; a wrong secret, a replayed or reflected proof, a wrong cluster,
// an unknown or higher node id, the wrong address, a wrong answering peer and out-of-order messages
// are each refused with the matching reason.

import DLMCore
import DLMWire
import Testing

@testable import DLMTransport

@Suite struct HandshakeTests {
    static let secret = try! SharedSecret(bytes: Array(0..<32))
    static let hosts: [NodeID: String] = [1: "10.0.0.1", 2: "10.0.0.2", 3: "10.0.0.3"]

    static func machine(
        _ role: Handshake.Role, local: NodeID, secret: SharedSecret = secret, cluster: String = "alpha",
        incarnation: UInt64 = 1, nonceByte: UInt8
    ) -> Handshake {
        Handshake(
            role: role, local: local, clusterName: cluster, incarnation: incarnation,
            nonce: Array(repeating: nonceByte, count: 32), proof: HandshakeProof(secret: secret), peerHosts: hosts
        )
    }

    /// Runs initiator 1 → acceptor 2 up to the acceptor's reply.
    private func opening(acceptorSecret: SharedSecret = secret) -> (Handshake, Handshake, WireMessage, Handshake.Outcome) {
        var initiator = Self.machine(.initiator(peer: 2), local: 1, incarnation: 5, nonceByte: 0xA1)
        var acceptor = Self.machine(.acceptor, local: 2, secret: acceptorSecret, incarnation: 9, nonceByte: 0xB2)
        let hello = initiator.start()!
        let reply = acceptor.onMessage(hello, sender: 1, remoteHost: "10.0.0.1")
        return (initiator, acceptor, hello, reply)
    }

    @Test func matchingSecretsAuthenticateBothSides() throws {
        var (initiator, acceptor, _, reply) = opening()
        guard case .send(let replyMessage) = reply else { Issue.record("no reply: \(reply)"); return }
        let initiatorOutcome = initiator.onMessage(replyMessage, sender: 2, remoteHost: "10.0.0.2")
        guard case .authenticated(let peer, let incarnation, let confirm?) = initiatorOutcome else {
            Issue.record("initiator not authenticated: \(initiatorOutcome)")
            return
        }
        #expect(peer == 2 && incarnation == 9)
        #expect(initiator.isAuthenticated)
        #expect(!acceptor.isAuthenticated)
        let acceptorOutcome = acceptor.onMessage(confirm, sender: 1, remoteHost: "10.0.0.1")
        #expect(acceptorOutcome == .authenticated(peer: 1, incarnation: 5, reply: nil))
        #expect(acceptor.isAuthenticated)
        // After authentication the machine accepts nothing more.
        #expect(acceptor.onMessage(confirm, sender: 1, remoteHost: "10.0.0.1") == .refused(.unexpectedMessage))
    }

    @Test func wrongSecretIsRefusedByTheInitiator() {
        var (initiator, _, _, reply) = opening(acceptorSecret: try! SharedSecret(bytes: Array(repeating: 1, count: 32)))
        guard case .send(let replyMessage) = reply else { Issue.record("no reply"); return }
        #expect(initiator.onMessage(replyMessage, sender: 2, remoteHost: nil) == .refused(.badMAC))
        #expect(!initiator.isAuthenticated)
    }

    @Test func acceptorProofReflectedAsConfirmationIsRefused() {
        var (_, acceptor, _, reply) = opening()
        guard case .send(.helloReply(var reflected)) = reply else { Issue.record("no reply"); return }
        // An attacker posing as node 1 sends the acceptor's own MAC back in the confirming HELLO.
        reflected.node = 1
        reflected.nonce = Array(repeating: 0xA1, count: 32)
        reflected.incarnation = 5
        #expect(acceptor.onMessage(.hello(reflected), sender: 1, remoteHost: "10.0.0.1") == .refused(.badMAC))
    }

    @Test func confirmationWithAlteredIncarnationIsRefused() {
        var (initiator, acceptor, _, reply) = opening()
        guard case .send(let replyMessage) = reply,
            case .authenticated(_, _, .hello(var confirm)?) = initiator.onMessage(replyMessage, sender: 2, remoteHost: nil)
        else { Issue.record("handshake did not reach the confirmation"); return }
        confirm.incarnation = 6
        #expect(acceptor.onMessage(.hello(confirm), sender: 1, remoteHost: "10.0.0.1") == .refused(.badMAC))
    }

    @Test func acceptorChecksClusterNodeAddressAndDirection() {
        func firstHello(from node: NodeID, cluster: String = "alpha") -> WireMessage {
            var initiator = Self.machine(.initiator(peer: 2), local: node, cluster: cluster, nonceByte: 1)
            return initiator.start()!
        }
        var acceptor = Self.machine(.acceptor, local: 2, nonceByte: 2)
        #expect(acceptor.onMessage(firstHello(from: 1, cluster: "beta"), sender: 1, remoteHost: "10.0.0.1") == .refused(.wrongCluster))
        acceptor = Self.machine(.acceptor, local: 2, nonceByte: 2)
        #expect(acceptor.onMessage(firstHello(from: 7), sender: 7, remoteHost: "10.0.0.7") == .refused(.unknownNode))
        acceptor = Self.machine(.acceptor, local: 2, nonceByte: 2)
        #expect(acceptor.onMessage(firstHello(from: 2), sender: 2, remoteHost: "10.0.0.2") == .refused(.unknownNode))
        acceptor = Self.machine(.acceptor, local: 2, nonceByte: 2)
        #expect(acceptor.onMessage(firstHello(from: 1), sender: 1, remoteHost: "10.0.0.9") == .refused(.addressMismatch))
        acceptor = Self.machine(.acceptor, local: 2, nonceByte: 2)
        #expect(acceptor.onMessage(firstHello(from: 1), sender: 3, remoteHost: "10.0.0.1") == .refused(.senderMismatch))
        acceptor = Self.machine(.acceptor, local: 2, nonceByte: 2)
        #expect(acceptor.onMessage(firstHello(from: 3), sender: 3, remoteHost: "10.0.0.3") == .refused(.wrongDirection))
        acceptor = Self.machine(.acceptor, local: 2, nonceByte: 2)
        #expect(acceptor.onMessage(firstHello(from: 1), sender: 1, remoteHost: "::ffff:10.0.0.1") != .refused(.addressMismatch))
    }

    @Test func initiatorRefusesAnAnswerFromAnotherNode() {
        var initiator = Self.machine(.initiator(peer: 2), local: 1, nonceByte: 1)
        var impostor = Self.machine(.acceptor, local: 3, nonceByte: 3)
        let hello = initiator.start()!
        guard case .send(let reply) = impostor.onMessage(hello, sender: 1, remoteHost: "10.0.0.1") else {
            Issue.record("impostor did not answer")
            return
        }
        #expect(initiator.onMessage(reply, sender: 3, remoteHost: nil) == .refused(.wrongPeer))
    }

    @Test func messagesOutOfOrderAreRefused() {
        var acceptor = Self.machine(.acceptor, local: 2, nonceByte: 2)
        #expect(acceptor.start() == nil)
        #expect(acceptor.onMessage(.heartbeat(sentAt: 1), sender: 1, remoteHost: "10.0.0.1") == .refused(.unexpectedMessage))
        var initiator = Self.machine(.initiator(peer: 2), local: 1, nonceByte: 1)
        let hello = initiator.start()!
        #expect(initiator.start() == nil)
        #expect(initiator.onMessage(hello, sender: 2, remoteHost: nil) == .refused(.unexpectedMessage))
    }
}
