// Tests ReliableSession: unit cases for in-order delivery, duplicates (dropped and acked), gaps
// (dropped), cumulative acks, ack-every-N, resend after reconnect, queue bound and sequence wrap; and a
// seeded simulation of two sessions over a pipe that loses, duplicates and disconnects, checking that
// every message is delivered exactly once, in order, in both directions.

import DLMCore
import Testing

@testable import DLMWire

@Suite struct ReliableSessionTests {
    typealias Session = ReliableSession<Int>

    private func delivered(_ directives: [Session.Directive]) -> [Int] {
        directives.compactMap { if case .deliver(let value) = $0 { return value } else { return nil } }
    }

    private func acks(_ directives: [Session.Directive]) -> [UInt32] {
        directives.compactMap { if case .sendAck(let ack) = $0 { return ack } else { return nil } }
    }

    private func transmitted(_ directives: [Session.Directive]) -> [(UInt32, Int)] {
        directives.compactMap {
            if case .transmit(let sequence, _, let payload) = $0 { return (sequence, payload) } else { return nil }
        }
    }

    @Test func sendsOnlyWhenConnectedAndResendsOnConnect() throws {
        var session = Session()
        #expect(try session.send(10).isEmpty)
        #expect(try session.send(11).isEmpty)
        let resend = session.onConnected()
        #expect(transmitted(resend).map(\.0) == [0, 1])
        #expect(transmitted(resend).map(\.1) == [10, 11])
        #expect(transmitted(try session.send(12)).map(\.0) == [2])
        session.onDisconnected()
        session.onAcknowledgement(2)
        #expect(session.unacknowledgedCount == 1)
        #expect(transmitted(session.onConnected()).map(\.1) == [12])
    }

    @Test func receiverDeliversInOrderDropsDuplicatesAndGaps() {
        var session = Session()
        _ = session.onConnected()
        #expect(delivered(session.onFrame(sequence: 0, acknowledgement: 0, payload: 100)) == [100])
        let duplicate = session.onFrame(sequence: 0, acknowledgement: 0, payload: 100)
        #expect(delivered(duplicate).isEmpty)
        #expect(acks(duplicate) == [1])
        let gap = session.onFrame(sequence: 2, acknowledgement: 0, payload: 102)
        #expect(delivered(gap).isEmpty)
        #expect(acks(gap).isEmpty)
        if case .dropped(2, .gap) = gap.first {} else { Issue.record("gap not reported: \(gap)") }
        #expect(delivered(session.onFrame(sequence: 1, acknowledgement: 0, payload: 101)) == [101])
        #expect(session.nextExpectedSequence == 2)
    }

    @Test func acknowledgesEveryNDeliveries() {
        var session = Session(ackEvery: 3)
        _ = session.onConnected()
        var ackValues: [UInt32] = []
        for sequence in 0..<7 {
            ackValues += acks(session.onFrame(sequence: UInt32(sequence), acknowledgement: 0, payload: sequence))
        }
        #expect(ackValues == [3, 6])
        #expect(acks(session.flushAcknowledgement()) == [7])
        #expect(session.flushAcknowledgement().isEmpty)
    }

    @Test func ignoresAcknowledgementsOfUnsentFrames() throws {
        var session = Session()
        _ = session.onConnected()
        _ = try session.send(1)
        _ = try session.send(2)
        session.onAcknowledgement(5)
        #expect(session.unacknowledgedCount == 2)
        session.onAcknowledgement(1)
        #expect(session.unacknowledgedCount == 1)
        session.onAcknowledgement(0)
        #expect(session.unacknowledgedCount == 1)
        session.onAcknowledgement(2)
        #expect(session.unacknowledgedCount == 0)
    }

    @Test func refusesBeyondQueueDepth() throws {
        var session = Session(queueDepthMax: 2)
        _ = try session.send(1)
        _ = try session.send(2)
        #expect(throws: Session.SendError.queueFull) { try session.send(3) }
        session.onAcknowledgement(1)
        #expect(try session.send(3).isEmpty)
    }

    @Test func sequenceNumbersWrap() throws {
        var sender = Session(firstSequence: UInt32.max - 1)
        var receiver = Session(firstSequence: UInt32.max - 1)
        _ = sender.onConnected()
        _ = receiver.onConnected()
        var got: [Int] = []
        for value in 0..<5 {
            for (sequence, payload) in transmitted(try sender.send(value)) {
                got += delivered(receiver.onFrame(sequence: sequence, acknowledgement: 0, payload: payload))
            }
        }
        #expect(got == [0, 1, 2, 3, 4])
        #expect(receiver.nextExpectedSequence == 3)
        sender.onAcknowledgement(receiver.nextExpectedSequence)
        #expect(sender.unacknowledgedCount == 0)
        let stale = receiver.onFrame(sequence: UInt32.max, acknowledgement: 0, payload: 1)
        #expect(delivered(stale).isEmpty && acks(stale) == [3])
    }

    @Test(arguments: [UInt64(1), 2, 3, 42, 1000, 0xBAD_5EED])
    func lossyReconnectingPipeDeliversExactlyOnceInOrder(seed: UInt64) throws {
        var pipe = SimulatedPipe(seed: seed, messagesEachWay: 400)
        try pipe.run()
        #expect(pipe.deliveredToB == Array(0..<400))
        #expect(pipe.deliveredToA == Array(1000..<1400))
        #expect(pipe.a.unacknowledgedCount == 0)
        #expect(pipe.b.unacknowledgedCount == 0)
        #expect(pipe.reconnects > 0)
        #expect(pipe.duplicatesDropped > 0)
    }
}

/// Two sessions joined by a pipe that, driven by a seeded generator, delivers, loses and duplicates
/// frames and breaks the connection (losing everything in flight), then reconnects.
struct SimulatedPipe {
    enum Frame { case data(UInt32, UInt32, Int), ack(UInt32) }

    var a = ReliableSession<Int>(ackEvery: 8, queueDepthMax: 1000)
    var b = ReliableSession<Int>(ackEvery: 8, queueDepthMax: 1000)
    var toA: [Frame] = []
    var toB: [Frame] = []
    var deliveredToA: [Int] = []
    var deliveredToB: [Int] = []
    var reconnects = 0
    var duplicatesDropped = 0
    private var rng: SeededGenerator
    private let total: Int
    private var sentByA = 0
    private var sentByB = 0

    init(seed: UInt64, messagesEachWay: Int) {
        rng = SeededGenerator(seed: seed)
        total = messagesEachWay
    }

    mutating func run() throws {
        connect()
        var steps = 0
        while sentByA < total || sentByB < total || !toA.isEmpty || !toB.isEmpty {
            steps += 1
            precondition(steps < 200_000, "simulation did not settle")
            try step()
        }
        // Settle: a last clean connection resends whatever a loss left behind, and acks flush.
        for _ in 0..<3 {
            disconnect()
            connect()
            drain()
        }
        let flushA = a.flushAcknowledgement()
        let flushB = b.flushAcknowledgement()
        apply(flushA, fromA: true)
        apply(flushB, fromA: false)
        drain()
    }

    private mutating func step() throws {
        let roll = Int.random(in: 0..<1000, using: &rng)
        switch roll {
        case 0..<200 where sentByA < total:
            let directives = try a.send(sentByA)
            apply(directives, fromA: true)
            sentByA += 1
        case 200..<400 where sentByB < total:
            let directives = try b.send(1000 + sentByB)
            apply(directives, fromA: false)
            sentByB += 1
        case 400..<680: deliverOne(toB: true)
        case 680..<960: deliverOne(toB: false)
        case 960..<975: loseOne()
        case 975..<990: duplicateOne()
        case 990..<1000:
            disconnect()
            connect()
        default: deliverOne(toB: Bool.random(using: &rng))
        }
    }

    private mutating func connect() {
        reconnects += 1
        let fromA = a.onConnected()
        let fromB = b.onConnected()
        apply(fromA, fromA: true)
        apply(fromB, fromA: false)
    }

    private mutating func disconnect() {
        toA.removeAll()
        toB.removeAll()
        a.onDisconnected()
        b.onDisconnected()
    }

    private mutating func drain() {
        while !toA.isEmpty || !toB.isEmpty {
            deliverOne(toB: !toB.isEmpty)
        }
    }

    private mutating func loseOne() {
        if Bool.random(using: &rng), !toB.isEmpty { toB.removeFirst() } else if !toA.isEmpty { toA.removeFirst() }
    }

    private mutating func duplicateOne() {
        if let first = toB.first { toB.insert(first, at: 0) }
        if let first = toA.first { toA.insert(first, at: 0) }
    }

    /// Delivers the oldest frame in flight towards B (or A) to that session.
    private mutating func deliverOne(toB towardsB: Bool) {
        guard !(towardsB ? toB.isEmpty : toA.isEmpty) else { return }
        let frame = towardsB ? toB.removeFirst() : toA.removeFirst()
        switch frame {
        case .ack(let ack):
            if towardsB { b.onAcknowledgement(ack) } else { a.onAcknowledgement(ack) }
        case .data(let sequence, let ack, let payload):
            let directives = towardsB
                ? b.onFrame(sequence: sequence, acknowledgement: ack, payload: payload)
                : a.onFrame(sequence: sequence, acknowledgement: ack, payload: payload)
            apply(directives, fromA: !towardsB)
        }
    }

    /// Carries out the directives of session A (`fromA`) or B.
    private mutating func apply(_ directives: [ReliableSession<Int>.Directive], fromA: Bool) {
        for directive in directives {
            switch directive {
            case .transmit(let sequence, let ack, let payload):
                if fromA { toB.append(.data(sequence, ack, payload)) } else { toA.append(.data(sequence, ack, payload)) }
            case .sendAck(let ack):
                if fromA { toB.append(.ack(ack)) } else { toA.append(.ack(ack)) }
            case .deliver(let payload):
                if fromA { deliveredToA.append(payload) } else { deliveredToB.append(payload) }
            case .dropped(_, .duplicate): duplicatesDropped += 1
            case .dropped(_, .gap): break
            }
        }
    }
}
