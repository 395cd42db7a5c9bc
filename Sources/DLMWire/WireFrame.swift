// dlmd — DLMWire: one node-to-node frame: the 28-byte header and a typed message.

import DLMCore
import NIOCore

/// A frame as it travels between two nodes (layout in docs/protocol.md):
///
///     off size field
///       0   4  magic "DLMW" (0x44 0x4C 0x4D 0x57)
///       4   1  protocol major      5 1 protocol minor
///       6   1  message type        7 1 header flags (0)
///       8   4  lockspace global id (0 for link messages)
///      12   4  sender node id
///      16   4  sequence number (0 for unsequenced types)
///      20   4  acknowledgement: the next sequence number the sender expects from the receiver
///      24   4  payload length
///      28   …  payload
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

    /// Creates a frame.
    public init(lockspace: UInt32, sender: NodeID, sequence: UInt32 = 0, acknowledgement: UInt32 = 0, message: WireMessage) {
        self.lockspace = lockspace
        self.sender = sender
        self.sequence = sequence
        self.acknowledgement = acknowledgement
        self.message = message
    }

    /// "DLMW" read as a little-endian u32.
    public static let magic: UInt32 = 0x574D_4C44
    /// Protocol major version; a peer with another major is refused.
    public static let protocolMajor: UInt8 = 1
    /// Protocol minor version; higher minors only add message types or append optional fields
    /// (1.1: the HELLO incarnation).
    public static let protocolMinor: UInt8 = 1
    /// Header length in bytes.
    public static let headerBytes = 28
    /// Largest payload a frame may carry.
    public static var payloadBytesMax: Int { Limits.peerFrameBytesMax - headerBytes }

    /// The message type.
    public var type: WireMessageType { message.type }

    /// Total encoded length, header included.
    public var encodedBytes: Int { Self.headerBytes + message.payloadBytes }

    /// Checks the message's fields and the frame's size.
    /// - Throws: `WireError` for an out-of-range field or an oversize frame.
    public func validate() throws(WireError) {
        try message.validate()
        guard encodedBytes <= Limits.peerFrameBytesMax else { throw .frameTooLarge(bytes: encodedBytes) }
    }

    /// Validates the frame and appends its bytes to `buffer`.
    /// - Throws: `WireError` when the frame is invalid; nothing is written then.
    public func encode(into buffer: inout ByteBuffer) throws(WireError) {
        try validate()
        let payloadBytes = message.payloadBytes
        buffer.reserveCapacity(minimumWritableBytes: Self.headerBytes + payloadBytes)
        let start = buffer.writerIndex
        buffer.writeWire(Self.magic)
        buffer.writeWire(Self.protocolMajor)
        buffer.writeWire(Self.protocolMinor)
        buffer.writeWire(type.rawValue)
        buffer.writeWire(UInt8(0))
        buffer.writeWire(lockspace)
        buffer.writeWire(sender)
        buffer.writeWire(sequence)
        buffer.writeWire(acknowledgement)
        buffer.writeWire(UInt32(payloadBytes))
        message.encodePayload(into: &buffer)
        invariant(
            buffer.writerIndex - start == Self.headerBytes + payloadBytes,
            "encoded frame length disagrees with its computed length",
            dump: "type \(type) computed \(payloadBytes) written \(buffer.writerIndex - start - Self.headerBytes)"
        )
    }

    /// The frame's bytes in a new buffer.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) throws(WireError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: Self.headerBytes + message.payloadBytes)
        try encode(into: &buffer)
        return buffer
    }
}
