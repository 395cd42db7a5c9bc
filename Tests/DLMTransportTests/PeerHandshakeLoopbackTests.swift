// Tests the transport's refusals over real TCP on 127.0.0.1: a wrong secret, a wrong cluster name,
// an unknown node id and a connection from the wrong address never come up and are logged with
// their reason; garbage bytes, an oversize declared length (refused from the header alone, before
// any payload is sent) and a non-HELLO first frame close the raw connection while the transport
// keeps serving its real peer. Waits are bounded.

import DLMCore
import DLMWire
import NIOCore
import Testing

@testable import DLMTransport

@Suite(.serialized, .timeLimit(.minutes(1))) struct PeerHandshakeLoopbackTests {
    /// Starts nodes 1 and 2 with the given configurations and waits `settle` for a handshake attempt.
    private func pair(
        _ harness: TransportHarness, _ config1: TransportConfiguration, _ config2: TransportConfiguration
    ) async throws {
        try await harness.start(config1)
        try await harness.start(config2)
        try await harness.connect()
    }

    private func neverUp(_ harness: TransportHarness) async throws -> Bool {
        try await Task.sleep(for: .milliseconds(400))
        return try await harness.onLoop { harness.recorders.values.allSatisfy { !$0.states.contains { $0.state == .up } } }
    }

    @Test("a peer with another secret is refused (bad MAC)")
    func wrongSecret() async throws {
        try await withHarness { harness in
            let other = try SharedSecret(bytes: Array(repeating: 0x33, count: 40))
            try await pair(
                harness, harness.configuration(node: 1, peers: [2]),
                harness.configuration(node: 2, peers: [1], secret: other)
            )
            #expect(try await harness.waitUntil { harness.refusals("badMAC") > 0 })
            #expect(try await neverUp(harness))
            #expect(try await harness.onLoop { harness.recorders[2]!.messages.isEmpty })
        }
    }

    @Test("a peer of another cluster is refused")
    func wrongCluster() async throws {
        try await withHarness { harness in
            try await pair(
                harness, harness.configuration(node: 1, peers: [2], cluster: harness.cluster),
                harness.configuration(node: 2, peers: [1], cluster: "beta")
            )
            #expect(try await harness.waitUntil { harness.refusals("wrongCluster") > 0 })
            #expect(try await neverUp(harness))
        }
    }

    @Test("a node id missing from the acceptor's configuration is refused")
    func unknownNode() async throws {
        try await withHarness { harness in
            try await pair(
                harness, harness.configuration(node: 1, peers: [2]),
                harness.configuration(node: 2, peers: [3])
            )
            #expect(try await harness.waitUntil { harness.refusals("unknownNode") > 0 })
            #expect(try await neverUp(harness))
        }
    }

    @Test("a connection from an address other than the configured one is refused")
    func addressMismatch() async throws {
        try await withHarness { harness in
            // Node 2 expects node 1 at 127.0.0.2; node 1 dials from 127.0.0.1.
            try await harness.start(harness.configuration(node: 1, peers: [2]))
            let port2 = try await harness.start(harness.configuration(node: 2, peers: [1]))
            try await harness.onLoop {
                harness.transports[2]!.updatePeer(PeerEndpoint(node: 1, host: "127.0.0.2", port: harness.ports[1]!))
                harness.transports[1]!.updatePeer(PeerEndpoint(node: 2, host: "127.0.0.1", port: port2))
            }
            #expect(try await harness.waitUntil { harness.refusals("addressMismatch") > 0 })
            #expect(try await neverUp(harness))
        }
    }

    @Test("garbage bytes close the raw connection; the transport keeps serving its peer")
    func garbageClosesLink() async throws {
        try await withHarness { harness in
            try await harness.start(harness.configuration(node: 1, peers: [2]))
            let port2 = try await harness.start(harness.configuration(node: 2, peers: [1]))
            try await harness.connect()
            #expect(try await harness.waitUntil { harness.allUp() })
            let client = try RawPeerClient(port: port2)
            client.write(Array("GET / HTTP/1.1\r\n\r\n".utf8))
            #expect(client.waitForClose())
            client.closeSocket()
            #expect(harness.logs.entries.contains { $0.message == "peer link error" && "\($0.metadata["dlm.error"] ?? "")".contains("badMagic") })
            try await harness.onLoop { try harness.sendNumbered(0..<50, from: 1, to: 2) }
            #expect(try await harness.waitUntil { harness.recorders[2]!.sequence(from: 1) == Array(0..<50) })
            #expect(try await harness.onLoop { harness.transports[2]!.linkState(of: 1) } == .up)
        }
    }

    @Test("an oversize declared length is refused from the header alone")
    func oversizeLengthRefused() async throws {
        try await withHarness { harness in
            let port = try await harness.start(harness.configuration(node: 2, peers: [1]))
            let client = try RawPeerClient(port: port)
            // A HELLO header declaring a 2 GiB payload; no payload follows.
            var header: [UInt8] = [0x44, 0x4C, 0x4D, 0x57, 1, 1, WireMessageType.hello.rawValue, 0]
            header += [0, 0, 0, 0] + [1, 0, 0, 0] + [0, 0, 0, 0] + [0, 0, 0, 0] + [0xFF, 0xFF, 0xFF, 0x7F]
            client.write(header)
            #expect(client.waitForClose())
            client.closeSocket()
            #expect(harness.logs.entries.contains { $0.message == "peer link error" && "\($0.metadata["dlm.error"] ?? "")".contains("frameTooLarge") })
        }
    }

    @Test("a non-HELLO frame before authentication is refused")
    func heartbeatBeforeHelloRefused() async throws {
        try await withHarness { harness in
            let port = try await harness.start(harness.configuration(node: 2, peers: [1]))
            let client = try RawPeerClient(port: port)
            let frame = try WireFrame(lockspace: 0, sender: 1, message: .heartbeat(sentAt: 1)).encoded()
            client.write(Array(frame.readableBytesView))
            #expect(client.waitForClose())
            client.closeSocket()
            #expect(harness.refusals("unexpectedMessage") == 1)
        }
    }

    @Test("a client that never says HELLO is cut off after the handshake timeout")
    func helloTimeout() async throws {
        try await withHarness { harness in
            var config = harness.configuration(node: 2, peers: [1])
            config.handshakeTimeout = .milliseconds(200)
            let port = try await harness.start(config)
            let client = try RawPeerClient(port: port)
            #expect(client.waitForClose())
            client.closeSocket()
            #expect(harness.refusals("helloTimeout") == 1)
        }
    }

    @Test("accepted connections beyond the handshake limit are closed at once")
    func tooManyPendingConnections() async throws {
        try await withHarness { harness in
            var config = harness.configuration(node: 2, peers: [1])
            config.handshakeTimeout = .seconds(8)
            let port = try await harness.start(config)
            var clients: [RawPeerClient] = []
            defer { clients.forEach { $0.closeSocket() } }
            for _ in 0..<Limits.peerUnauthenticatedConnectionsMax { clients.append(try RawPeerClient(port: port)) }
            // Let the transport accept them all before the one over the limit.
            #expect(try await harness.waitUntil { harness.transports[2]!.pending.count == Limits.peerUnauthenticatedConnectionsMax })
            let extra = try RawPeerClient(port: port)
            #expect(extra.waitForClose(seconds: 3))
            extra.closeSocket()
            #expect(harness.refusals("tooManyPending") == 1)
            #expect(!clients[0].waitForClose(seconds: 1))
        }
    }
}
