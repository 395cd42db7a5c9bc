// Tests how PeerTransport acknowledges over real TCP on 127.0.0.1 (one event loop): in request/reply
// traffic every ack rides in the header of the next outgoing frame, so no standalone ACK is written;
// one-way traffic is still acknowledged by a standalone ACK once the acknowledgement delay passes;
// and a pile of delivered frames forces an ACK before a long delay runs out. Every wait is bounded.

import DLMCore
import DLMWire
import NIOCore
import Testing

@testable import DLMTransport

@Suite(.serialized, .timeLimit(.minutes(1))) struct PeerAcknowledgementTests {
    /// Starts nodes 1 and 2 with `delay` as the acknowledgement delay and waits until both are up.
    private func startPair(_ harness: TransportHarness, delay: Duration, heartbeat: Duration = .milliseconds(100)) async throws {
        for (node, peer) in [(NodeID(1), NodeID(2)), (2, 1)] {
            var config = harness.configuration(node: node, peers: [peer], heartbeatTimeout: heartbeat * 3)
            config.heartbeatInterval = heartbeat
            config.acknowledgementDelay = delay
            try await harness.start(config)
        }
        try await harness.connect()
        #expect(try await harness.waitUntil { harness.allUp() })
    }

    @Test("request/reply traffic carries every ack in a frame header: no standalone ACKs")
    func pingPongPiggybacks() async throws {
        try await withHarness { harness in
            try await startPair(harness, delay: .milliseconds(50))
            let rounds: UInt32 = 300
            try await harness.onLoop {
                let one = harness.transports[1]!
                let two = harness.transports[2]!
                let recorder = harness.recorders[1]!
                // Node 2 answers each message at once; node 1 sends the next one when the answer arrives.
                two.onMessage = { _, lockspace, message in
                    try? two.send(message, lockspace: lockspace, to: 1)
                }
                one.onMessage = { from, lockspace, message in
                    recorder.record(from, lockspace, message)
                    let next = UInt32(recorder.count(from: 2))
                    if next < rounds { try? harness.sendNumbered(next..<(next + 1), from: 1, to: 2) }
                }
                try harness.sendNumbered(0..<1, from: 1, to: 2)
            }
            #expect(try await harness.waitUntil(timeout: .seconds(15)) { harness.recorders[1]!.count(from: 2) == Int(rounds) })
            #expect(try await harness.onLoop { harness.recorders[1]!.sequence(from: 2) } == Array(0..<rounds))
            // Only node 1's last received answer has nothing to ride on: one delayed ACK at most.
            #expect(try await harness.waitUntil { harness.transports[2]!.unacknowledgedCount(to: 1) == 0 })
            let standalone = try await harness.onLoop {
                (harness.transports[1]!.standaloneAcknowledgements, harness.transports[2]!.standaloneAcknowledgements)
            }
            #expect(standalone.0 <= 1, "node 1 wrote \(standalone.0) standalone ACKs")
            #expect(standalone.1 == 0, "node 2 wrote \(standalone.1) standalone ACKs")
        }
    }

    @Test("one-way traffic is acknowledged by a standalone ACK after the delay")
    func oneWayAcknowledgedAfterDelay() async throws {
        try await withHarness { harness in
            try await startPair(harness, delay: .milliseconds(5))
            try await harness.onLoop { try harness.sendNumbered(0..<5, from: 1, to: 2) }
            #expect(try await harness.waitUntil { harness.recorders[2]!.count(from: 1) == 5 })
            #expect(try await harness.waitUntil { harness.transports[1]!.unacknowledgedCount(to: 2) == 0 })
            #expect(try await harness.onLoop { harness.transports[2]!.standaloneAcknowledgements } >= 1)
        }
    }

    @Test("a pile of delivered frames is acknowledged before a long delay runs out")
    func pileForcesAcknowledgement() async throws {
        try await withHarness { harness in
            // The delay (3 s) and the heartbeats (which also carry acks, after 2 s of idle link) are far
            // longer than the wait below: only the pile rule can empty the queue in time.
            try await startPair(harness, delay: .seconds(3), heartbeat: .seconds(4))
            let count = UInt32(4 * Limits.peerAckEveryFrames)
            try await harness.onLoop { try harness.sendNumbered(0..<count, from: 1, to: 2) }
            #expect(try await harness.waitUntil { harness.recorders[2]!.count(from: 1) == Int(count) })
            // Every `peerAckEveryFrames`-th delivery forces an ACK at once; the count is a multiple of it.
            #expect(try await harness.waitUntil(timeout: .seconds(1)) { harness.transports[1]!.unacknowledgedCount(to: 2) == 0 })
            #expect(try await harness.onLoop { harness.transports[2]!.standaloneAcknowledgements } == 0)
        }
    }
}
