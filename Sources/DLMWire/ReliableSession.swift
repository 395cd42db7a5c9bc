// dlmd — DLMWire: the per-peer reliable session: sequence numbers, cumulative acks, resend after a
// reconnect (spec §9.3's midcomms, with the ack carried in every frame header).

import DLMCore
import NIOCore

/// The exactly-once, in-order layer between two nodes, as a pure state machine.
///
/// The transport calls `send` for each sequenced message and `onFrame` for each sequenced frame it
/// decodes, `onAcknowledgement` for unsequenced frames (their header ack still counts), and
/// `onConnected`/`onDisconnected` as the link comes and goes; it carries out the returned directives.
///
///     send(m)        : seq := nextSend++; keep (seq, m) until acked; transmit now if connected
///     onFrame(s, a)  : drop kept frames below a; s == nextExpected → deliver, nextExpected++
///                      s <  nextExpected → duplicate: dropped, ack at once
///                      s >  nextExpected → gap: dropped (the sender resends after a reconnect)
///     onConnected    : retransmit every kept frame, oldest first
///
/// There is no timer-driven resend: TCP loses nothing while connected, and everything unacknowledged
/// is resent on the next connection. Sequence numbers are u32 and compared modulo 2³².
public struct ReliableSession<Payload: Sendable>: Sendable {
    /// What the transport must do.
    public enum Directive: Sendable {
        /// Write a sequenced frame with this sequence and acknowledgement.
        case transmit(sequence: UInt32, acknowledgement: UInt32, payload: Payload)
        /// Write a bare ACK frame carrying this acknowledgement.
        case sendAck(acknowledgement: UInt32)
        /// Hand the payload to the layer above (in order, exactly once).
        case deliver(Payload)
        /// A received frame was dropped (for metrics and tracing).
        case dropped(sequence: UInt32, reason: DropReason)
    }

    /// Why a received frame was dropped.
    public enum DropReason: Sendable, Hashable {
        /// Already delivered.
        case duplicate
        /// An earlier frame is missing.
        case gap
    }

    /// Refusals of `send`.
    public enum SendError: Error, Sendable, Hashable {
        /// `Limits.peerSendQueueDepthMax` frames are already waiting for an ack.
        case queueFull
    }

    /// Sequence number the next sent frame gets.
    public private(set) var nextSendSequence: UInt32
    /// Sequence number expected next from the peer.
    public private(set) var nextExpectedSequence: UInt32
    /// Whether the link is up.
    public private(set) var isConnected = false
    private var unacknowledged = CircularBuffer<Payload>()
    private var deliveredSinceAck = 0
    private let ackEvery: Int
    private let queueDepthMax: Int

    /// A new session.
    /// - Parameters:
    ///   - firstSequence: first sequence number both sides use (0 in production; tests start near 2³²).
    ///   - ackEvery: frames delivered without sending anything back before a bare ACK is sent.
    ///   - queueDepthMax: unacknowledged frames kept before `send` refuses.
    public init(
        firstSequence: UInt32 = 0,
        ackEvery: Int = Limits.peerAckEveryFrames,
        queueDepthMax: Int = Limits.peerSendQueueDepthMax
    ) {
        invariant(ackEvery >= 1 && queueDepthMax >= 1, "session bounds must be positive", dump: "\(ackEvery) \(queueDepthMax)")
        nextSendSequence = firstSequence
        nextExpectedSequence = firstSequence
        self.ackEvery = ackEvery
        self.queueDepthMax = queueDepthMax
    }

    /// Frames sent but not yet acknowledged.
    public var unacknowledgedCount: Int { unacknowledged.count }

    private var oldestUnacknowledged: UInt32 { nextSendSequence &- UInt32(unacknowledged.count) }

    /// Queues a message; transmits it at once when connected.
    /// - Throws: `SendError.queueFull` when too many frames await an ack.
    public mutating func send(_ payload: Payload) throws(SendError) -> [Directive] {
        guard unacknowledged.count < queueDepthMax else { throw .queueFull }
        let sequence = nextSendSequence
        nextSendSequence &+= 1
        unacknowledged.append(payload)
        guard isConnected else { return [] }
        deliveredSinceAck = 0
        return [.transmit(sequence: sequence, acknowledgement: nextExpectedSequence, payload: payload)]
    }

    /// Handles a sequenced frame from the peer.
    public mutating func onFrame(sequence: UInt32, acknowledgement: UInt32, payload: Payload) -> [Directive] {
        onAcknowledgement(acknowledgement)
        let distance = Int32(bitPattern: sequence &- nextExpectedSequence)
        if distance < 0 {
            deliveredSinceAck = 0
            return [
                .dropped(sequence: sequence, reason: .duplicate),
                .sendAck(acknowledgement: nextExpectedSequence),
            ]
        }
        if distance > 0 { return [.dropped(sequence: sequence, reason: .gap)] }
        nextExpectedSequence &+= 1
        deliveredSinceAck += 1
        var directives: [Directive] = [.deliver(payload)]
        if deliveredSinceAck >= ackEvery {
            deliveredSinceAck = 0
            directives.append(.sendAck(acknowledgement: nextExpectedSequence))
        }
        return directives
    }

    /// Applies a cumulative acknowledgement (from any frame's header). Values that acknowledge
    /// frames never sent, or older than what is kept, change nothing.
    public mutating func onAcknowledgement(_ acknowledgement: UInt32) {
        let acknowledged = acknowledgement &- oldestUnacknowledged
        guard acknowledged <= UInt32(unacknowledged.count) else { return }
        unacknowledged.removeFirst(Int(acknowledged))
    }

    /// The link came up: resend every unacknowledged frame, oldest first.
    public mutating func onConnected() -> [Directive] {
        isConnected = true
        deliveredSinceAck = 0
        var sequence = oldestUnacknowledged
        var directives: [Directive] = []
        directives.reserveCapacity(unacknowledged.count + 1)
        directives.append(.sendAck(acknowledgement: nextExpectedSequence))
        for payload in unacknowledged {
            directives.append(.transmit(sequence: sequence, acknowledgement: nextExpectedSequence, payload: payload))
            sequence &+= 1
        }
        return directives
    }

    /// The link went down; frames stay queued for the next connection.
    public mutating func onDisconnected() {
        isConnected = false
    }

    /// Frames were delivered that no outgoing frame has acknowledged yet.
    public var isAcknowledgementPending: Bool { isConnected && deliveredSinceAck > 0 }

    /// An ACK if anything was delivered since the last one (call at the end of a read burst).
    public mutating func flushAcknowledgement() -> [Directive] {
        guard isConnected, deliveredSinceAck > 0 else { return [] }
        deliveredSinceAck = 0
        return [.sendAck(acknowledgement: nextExpectedSequence)]
    }
}
