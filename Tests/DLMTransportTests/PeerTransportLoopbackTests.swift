// Tests PeerTransport over real TCP on 127.0.0.1 (ephemeral ports, one event loop): thousands of
// messages between three nodes arrive in order exactly once; a connection closed mid-stream is
// redialed and the unacknowledged frames are resent without duplicates; heartbeat silence reports a
// peer down and its return up; a restarted peer (new incarnation) gets a fresh session; dial failures
// and send-queue overflow report a peer unreachable. Every wait is bounded (≤ 5 s).

import DLMCore
import DLMWire
import NIOCore
import Testing

@testable import DLMTransport

@Suite(.serialized, .timeLimit(.minutes(1))) struct PeerTransportLoopbackTests {
    /// Heartbeat timeout of the bulk-transfer tests: long enough that a loaded 2-core machine running
    /// a debug build never mistakes a busy loop for a dead peer.
    let bulkTimeout: Duration = .seconds(3)
    /// Longest wait for a bulk transfer (about 2 s unloaded; CI may run every suite at once).
    let bulkWait: Duration = .seconds(15)

    @Test("three nodes exchange thousands of messages in order, exactly once")
    func threeNodesExactlyOnce() async throws {
        try await withHarness { harness in
            let nodes: [NodeID] = [1, 2, 3]
            for node in nodes {
                try await harness.start(harness.configuration(node: node, peers: nodes.filter { $0 != node }, heartbeatTimeout: bulkTimeout))
            }
            try await harness.connect()
            #expect(try await harness.waitUntil { harness.allUp() })
            let count: UInt32 = 1500
            try await harness.onLoop {
                for from in nodes {
                    for to in nodes where to != from { try harness.sendNumbered(0..<count, from: from, to: to) }
                }
            }
            let expected = Array(0..<count)
            let done = try await harness.waitUntil(timeout: bulkWait) {
                nodes.allSatisfy { to in
                    nodes.filter { $0 != to }.allSatisfy { harness.recorders[to]!.count(from: $0) >= Int(count) }
                }
            }
            #expect(done)
            if !done {
                harness.printProblems()
                try await harness.onLoop {
                    for to in nodes {
                        for from in nodes where from != to {
                            print("DBG \(from)->\(to) got \(harness.recorders[to]!.sequence(from: from).count) unacked \(harness.transports[from]!.unacknowledgedCount(to: to)) state \(String(describing: harness.transports[from]!.linkState(of: to)))")
                        }
                    }
                }
            }
            try await harness.onLoop {
                for to in nodes {
                    for from in nodes where from != to {
                        #expect(harness.recorders[to]!.sequence(from: from) == expected, "\(from) → \(to)")
                        #expect(harness.recorders[to]!.messages.allSatisfy { $0.lockspace == 7 })
                    }
                }
            }
            // Acknowledgements flow back, so nothing stays queued.
            #expect(try await harness.waitUntil {
                nodes.allSatisfy { from in nodes.filter { $0 != from }.allSatisfy { harness.transports[from]!.unacknowledgedCount(to: $0) == 0 } }
            })
        }
    }

    @Test("a burst of sends in one event-loop tick is written with one flush")
    func oneFlushPerTick() async throws {
        try await withHarness { harness in
            try await harness.start(harness.configuration(node: 1, peers: [2], heartbeatTimeout: bulkTimeout))
            try await harness.start(harness.configuration(node: 2, peers: [1], heartbeatTimeout: bulkTimeout))
            try await harness.connect()
            #expect(try await harness.waitUntil { harness.allUp() })
            // Counted by a task queued right behind the flush the burst scheduled (tasks run in order),
            // so traffic that arrives later (acks, heartbeats) cannot be counted, however slowly the
            // test's own task is resumed on a loaded machine.
            let loop = harness.loop
            let flushes = try await loop.flatSubmit { () -> EventLoopFuture<Int> in
                let before = harness.transports[1]!.flushCount
                do {
                    try harness.sendNumbered(0..<1000, from: 1, to: 2)
                } catch {
                    return loop.makeFailedFuture(error)
                }
                let counted = loop.makePromise(of: Int.self)
                loop.execute { counted.succeed(harness.transports[1]!.flushCount - before) }
                return counted.futureResult
            }.get()
            #expect(flushes >= 1 && flushes <= 2, "\(flushes) flushes for 1000 messages")
            #expect(try await harness.waitUntil { harness.recorders[2]!.count(from: 1) == 1000 })
        }
    }

    @Test(
        "a connection closed mid-stream is redialed; unacknowledged frames are resent exactly once",
        arguments: [NodeID(1), 2]
    )
    func reconnectResends(closingSide: NodeID) async throws {
        try await withHarness { harness in
            try await harness.start(harness.configuration(node: 1, peers: [2], heartbeatTimeout: bulkTimeout))
            try await harness.start(harness.configuration(node: 2, peers: [1], heartbeatTimeout: bulkTimeout))
            try await harness.connect()
            #expect(try await harness.waitUntil { harness.allUp() })
            try await harness.onLoop { try harness.sendNumbered(0..<3000, from: 1, to: 2) }
            #expect(try await harness.waitUntil { !harness.recorders[2]!.messages.isEmpty })
            let firstChannel = try await harness.onLoop { () -> Channel? in
                let other: NodeID = closingSide == 1 ? 2 : 1
                let channel = harness.transports[closingSide]!.peers[other]!.connection?.channel
                channel?.close(promise: nil)
                try harness.sendNumbered(3000..<4000, from: 1, to: 2)
                try harness.sendNumbered(0..<500, from: 2, to: 1)
                return channel
            }
            #expect(firstChannel != nil)
            let done = try await harness.waitUntil(timeout: bulkWait) {
                harness.recorders[2]!.count(from: 1) >= 4000 && harness.recorders[1]!.count(from: 2) >= 500
            }
            #expect(done)
            try await harness.onLoop {
                #expect(harness.recorders[2]!.sequence(from: 1) == Array(0..<4000))
                #expect(harness.recorders[1]!.sequence(from: 2) == Array(0..<500))
                let other: NodeID = closingSide == 1 ? 2 : 1
                #expect(harness.transports[closingSide]!.peers[other]!.connection?.channel !== firstChannel)
                #expect(harness.transports[1]!.linkState(of: 2) == .up)
            }
        }
    }

    @Test("a silent peer is reported down after the heartbeat timeout, and up when it returns")
    func heartbeatTimeoutDownThenUp() async throws {
        try await withHarness { harness in
            var config1 = harness.configuration(node: 1, peers: [2])
            config1.dialAttemptsBeforeUnreachable = 1000
            try await harness.start(config1)
            let port2 = try await harness.start(harness.configuration(node: 2, peers: [1]))
            try await harness.connect()
            #expect(try await harness.waitUntil { harness.allUp() })
            // Idle links stay up: heartbeats keep them alive well past the timeout.
            try await Task.sleep(for: .milliseconds(900))
            #expect(try await harness.onLoop { harness.recorders[1]!.lastState(of: 2) == .up })
            try await harness.stop(2)
            #expect(try await harness.waitUntil { harness.recorders[1]!.lastState(of: 2) == .down })
            var again = harness.configuration(node: 2, peers: [1])
            again.listenPort = port2
            try await harness.start(again)
            try await harness.connect()
            #expect(try await harness.waitUntil { harness.recorders[1]!.lastState(of: 2) == .up })
            try await harness.onLoop {
                #expect(harness.recorders[1]!.states.map(\.state) == [.up, .down, .up])
                try harness.sendNumbered(0..<10, from: 1, to: 2)
            }
            #expect(try await harness.waitUntil { harness.recorders[2]!.sequence(from: 1) == Array(0..<10) })
        }
    }

    @Test("a configured peer never heard from is reported down after the heartbeat timeout")
    func absentPeerReportedDown() async throws {
        try await withHarness { harness in
            let started = ContinuousClock.now
            try await harness.start(harness.configuration(node: 2, peers: [1]))
            #expect(try await harness.waitUntil { harness.recorders[2]!.lastState(of: 1) == .down })
            #expect(ContinuousClock.now - started >= .milliseconds(600))
            #expect(try await harness.onLoop { harness.recorders[2]!.states.map(\.state) } == [.down])
        }
    }

    @Test("a restarted peer (new incarnation) gets a fresh session: old queued frames are dropped")
    func newIncarnationResetsSession() async throws {
        try await withHarness { harness in
            try await harness.start(harness.configuration(node: 1, peers: [2]))
            let port2 = try await harness.start(harness.configuration(node: 2, peers: [1], incarnation: 10))
            try await harness.connect()
            #expect(try await harness.waitUntil { harness.allUp() })
            try await harness.stop(2)
            #expect(try await harness.waitUntil { harness.transports[1]!.peers[2]!.connection == nil })
            try await harness.onLoop { try harness.sendNumbered(0..<5, from: 1, to: 2) }
            #expect(try await harness.onLoop { harness.transports[1]!.unacknowledgedCount(to: 2) } == 5)
            var restarted = harness.configuration(node: 2, peers: [1], incarnation: 11)
            restarted.listenPort = port2
            try await harness.start(restarted)
            try await harness.connect()
            #expect(try await harness.waitUntil { harness.transports[1]!.peers[2]!.incarnation == 11 })
            try await harness.onLoop {
                #expect(harness.transports[1]!.unacknowledgedCount(to: 2) == 0)
                try harness.sendNumbered(100..<103, from: 1, to: 2)
            }
            #expect(try await harness.waitUntil { harness.recorders[2]!.sequence(from: 1) == [100, 101, 102] })
            #expect(harness.logs.entries.contains { $0.message == "peer restarted" && $0.metadata["dlm.node"] == "2" })
        }
    }

    @Test("a peer that refuses every dial is reported unreachable after the configured attempts")
    func dialFailuresReportUnreachable() async throws {
        try await withHarness { harness in
            try await harness.start(harness.configuration(node: 1, peers: [2]))
            try await harness.onLoop { harness.transports[1]!.updatePeer(PeerEndpoint(node: 2, host: "127.0.0.1", port: 1)) }
            #expect(try await harness.waitUntil { harness.recorders[1]!.lastState(of: 2) == .unreachable })
            #expect(try await harness.onLoop { harness.transports[1]!.peers[2]!.failedDials } >= 3)
        }
    }

    @Test("a full send queue refuses the message and reports the peer unreachable")
    func queueOverflowReportsUnreachable() async throws {
        try await withHarness { harness in
            var config = harness.configuration(node: 1, peers: [2])
            config.sendQueueDepthMax = 5
            try await harness.start(config)
            try await harness.onLoop {
                try harness.sendNumbered(0..<5, from: 1, to: 2)
                #expect(throws: PeerTransportError.queueFull(2)) { try harness.sendNumbered(5..<6, from: 1, to: 2) }
                #expect(harness.recorders[1]!.lastState(of: 2) == .unreachable)
                #expect(harness.transports[1]!.unacknowledgedCount(to: 2) == 5)
                #expect(throws: PeerTransportError.unknownPeer(9)) { try harness.sendNumbered(0..<1, from: 1, to: 9) }
                #expect(throws: PeerTransportError.notSequenced(.ack)) {
                    try harness.transports[1]!.send(.ack, lockspace: 0, to: 2)
                }
            }
        }
    }
}
