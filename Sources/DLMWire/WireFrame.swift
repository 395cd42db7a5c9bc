// dlmd — DLMWire: one node-to-node frame: the 28-byte header and a typed message.

import DLMCore
import NIOCore

/// A frame as it travels between two nodes (layout in docs/protocol.md):
///
///     off size field
///       0   4  magic "DLMW" (0x44 0x4C 0x4D 0x57)
///       4   1  protocol major      5 1 protocol minor
///       6   1  message type        7 1 header flags (1.2: 0x01 = a generation prefixes the payload)
///       8   4  lockspace global id (0 for link messages)
///      12   4  sender node id
///      16   4  sequence number (0 for unsequenced types)
///      20   4  acknowledgement: the next sequence number the sender expects from the receiver
///      24   4  payload length
///      28   …  payload; with flag 0x01 its first 8 bytes are the sender's view generation (1.2)
public struct WireFrame: Sendable, Hashable {
    /// The lockspace's global id (`LockspaceID.globalID`), 0 for link messages.
    public var lockspace: UInt32
    /// The sending node.
    public var sender: NodeID
    /// The sender's per-peer sequence number of this frame.
    public var sequence: UInt32
    /// Cumulative acknowledgement: every frame of the receiver's below this arrived.
    public var acknowledgement: UInt32
    /// The message.
    public var message: WireMessage
    /// The view generation the sender was in when it sent a lock or recovery message (protocol 1.2,
    /// header flag `generationFlag`); nil when the frame carries none (1.1 senders, link messages).
    public var generation: UInt64?

    /// Creates a frame.
    public init(
        lockspace: UInt32, sender: NodeID, sequence: UInt32 = 0, acknowledgement: UInt32 = 0, message: WireMessage,
        generation: UInt64? = nil
    ) {
        self.lockspace = lockspace
        self.sender = sender
        self.sequence = sequence
        self.acknowledgement = acknowledgement
        self.message = message
        self.generation = generation
    }

    /// Header flag: the payload starts with the sender's 8-byte view generation.
    public static let generationFlag: UInt8 = 0x01
    /// Bytes of the generation prefix.
    public static let generationBytes = 8

    /// The minor version written in a frame's header: the lowest that can express it, so frames
    /// without 1.2 features are byte-identical to what a 1.1 node sends (1.2: generations, types 80...89).
    public static func minor(for type: WireMessageType, hasGeneration: Bool) -> UInt8 {
        hasGeneration || type.isMembership ? 2 : 1
    }

    /// "DLMW" read as a little-endian u32.
    public static let magic: UInt32 = 0x574D_4C44
    /// Protocol major version; a peer with another major is refused.
    public static let protocolMajor: UInt8 = 1
    /// Protocol minor version; higher minors only add message types or append optional fields
    /// (1.1: the HELLO incarnation; 1.2: the generation flag and the membership types 80...85).
    public static let protocolMinor: UInt8 = 2
    /// Header length in bytes.
    public static let headerBytes = 28
    /// Largest payload a frame may carry.
    public static var payloadBytesMax: Int { Limits.peerFrameBytesMax - headerBytes }

    /// The message type.
    public var type: WireMessageType { message.type }

    /// Total encoded length, header included.
    public var encodedBytes: Int { Self.headerBytes + payloadBytes }

    /// Bytes after the header: the generation prefix, if any, and the message payload.
    var payloadBytes: Int { (generation == nil ? 0 : Self.generationBytes) + message.payloadBytes }

    /// Checks the message's fields and the frame's size.
    /// - Throws: `WireError` for an out-of-range field or an oversize frame.
    public func validate() throws(WireError) {
        try message.validate()
        guard generation == nil || (type.isSequenced && !type.isMembership) else { throw .malformed(.headerFlags) }
        guard encodedBytes <= Limits.peerFrameBytesMax else { throw .frameTooLarge(bytes: encodedBytes) }
    }

    /// Validates the frame and appends its bytes to `buffer`.
    /// - Throws: `WireError` when the frame is invalid; nothing is written then.
    public func encode(into buffer: inout ByteBuffer) throws(WireError) {
        try validate()
        let payloadBytes = self.payloadBytes
        buffer.reserveCapacity(minimumWritableBytes: Self.headerBytes + payloadBytes)
        let start = buffer.writerIndex
        buffer.writeWire(Self.magic)
        buffer.writeWire(Self.protocolMajor)
        buffer.writeWire(Self.minor(for: type, hasGeneration: generation != nil))
        buffer.writeWire(type.rawValue)
        buffer.writeWire(generation == nil ? UInt8(0) : Self.generationFlag)
        buffer.writeWire(lockspace)
        buffer.writeWire(sender)
        buffer.writeWire(sequence)
        buffer.writeWire(acknowledgement)
        buffer.writeWire(UInt32(payloadBytes))
        if let generation { buffer.writeWire(generation) }
        message.encodePayload(into: &buffer)
        invariant(
            buffer.writerIndex - start == Self.headerBytes + payloadBytes,
            "encoded frame length disagrees with its computed length",
            dump: "type \(type) computed \(payloadBytes) written \(buffer.writerIndex - start - Self.headerBytes)"
        )
    }

    /// The frame's bytes in a new buffer.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) throws(WireError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: Self.headerBytes + payloadBytes)
        try encode(into: &buffer)
        return buffer
    }
}
