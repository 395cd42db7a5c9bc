// dlmd — DLMWire: the single-step frame decoder (for sockets and the simulator alike) and its
// ByteToMessageDecoder / MessageToByteEncoder adapters.

import DLMCore
import NIOCore

/// Decodes frames from a byte stream. Never trusts a length: the header is checked (magic, major
/// version, type, payload length ≤ `WireFrame.payloadBytesMax`) before any payload is awaited, and the
/// payload is decoded from a slice of exactly the declared length.
public struct WireFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = WireFrame

    public init() {}

    /// Decodes one frame, or returns `nil` when more bytes are needed.
    /// - Throws: `WireError` for a bad header or a malformed payload.
    public mutating func decode(buffer: inout ByteBuffer) throws -> WireFrame? {
        try Self.decodeFrame(from: &buffer)
    }

    /// At end of stream: a last whole frame, `nil` when nothing is left.
    /// - Throws: `WireError.truncated` when bytes of an incomplete frame remain.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> WireFrame? {
        if let frame = try Self.decodeFrame(from: &buffer) { return frame }
        guard buffer.readableBytes == 0 else { throw WireError.truncated }
        return nil
    }

    /// The decoding step shared by both adapters; consumes the frame's bytes only when it returns one.
    public static func decodeFrame(from buffer: inout ByteBuffer) throws(WireError) -> WireFrame? {
        guard let header = try peekHeader(buffer) else { return nil }
        let total = WireFrame.headerBytes + header.payloadBytes
        guard buffer.readableBytes >= total else { return nil }
        guard var payload = buffer.getSlice(at: buffer.readerIndex + WireFrame.headerBytes, length: header.payloadBytes)
        else { return nil }
        var generation: UInt64?
        if header.flags & WireFrame.generationFlag != 0 {
            guard payload.readableBytes >= WireFrame.generationBytes else { throw .malformed(.payloadLength) }
            generation = try payload.readWire() as UInt64
        }
        let message = try WireMessage.decode(type: header.type, payload: &payload)
        buffer.moveReaderIndex(forwardBy: total)
        let frame = WireFrame(
            lockspace: header.lockspace,
            sender: header.sender,
            sequence: header.sequence,
            acknowledgement: header.acknowledgement,
            message: message,
            generation: generation
        )
        try frame.validate()
        return frame
    }

    private struct Header {
        var type: WireMessageType
        var lockspace: UInt32
        var sender: NodeID
        var sequence: UInt32
        var acknowledgement: UInt32
        var payloadBytes: Int
        var flags: UInt8
    }

    /// Reads and checks the header without consuming it; `nil` until all 28 bytes are there.
    private static func peekHeader(_ buffer: ByteBuffer) throws(WireError) -> Header? {
        var view = buffer
        let magicBytes = min(4, view.readableBytes)
        if magicBytes > 0, let prefix = view.getBytes(at: view.readerIndex, length: magicBytes) {
            let expected = withUnsafeBytes(of: WireFrame.magic.littleEndian) { Array($0.prefix(magicBytes)) }
            if prefix != expected { throw .badMagic(prefixValue(prefix)) }
        }
        guard view.readableBytes >= WireFrame.headerBytes else { return nil }
        let _: UInt32 = try view.readWire()
        let major: UInt8 = try view.readWire()
        let minor: UInt8 = try view.readWire()
        guard major == WireFrame.protocolMajor else { throw .unsupportedVersion(major: major, minor: minor) }
        let typeByte: UInt8 = try view.readWire()
        let flags: UInt8 = try view.readWire()
        // 1.2: only the generation flag is defined, and only on sequenced (lock, recovery) frames.
        guard flags & ~WireFrame.generationFlag == 0 else { throw .malformed(.headerFlags) }
        let lockspace: UInt32 = try view.readWire()
        let sender: NodeID = try view.readWire()
        let sequence: UInt32 = try view.readWire()
        let acknowledgement: UInt32 = try view.readWire()
        let payloadLength: UInt32 = try view.readWire()
        guard Int(payloadLength) <= WireFrame.payloadBytesMax else {
            throw .frameTooLarge(bytes: WireFrame.headerBytes + Int(payloadLength))
        }
        guard let type = WireMessageType(rawValue: typeByte) else { throw .unknownType(typeByte) }
        guard flags == 0 || (type.isSequenced && !type.isMembership) else { throw .malformed(.headerFlags) }
        return Header(
            type: type,
            lockspace: lockspace,
            sender: sender,
            sequence: sequence,
            acknowledgement: acknowledgement,
            payloadBytes: Int(payloadLength),
            flags: flags
        )
    }

    private static func prefixValue(_ bytes: [UInt8]) -> UInt32 {
        bytes.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }
}

/// `WireFrameDecoder` as a channel handler (`ByteToMessageHandler(WireFrameByteDecoder())`).
public struct WireFrameByteDecoder: ByteToMessageDecoder {
    public typealias InboundOut = WireFrame

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try WireFrameDecoder.decodeFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while let frame = try WireFrameDecoder.decodeFrame(from: &buffer) {
            context.fireChannelRead(Self.wrapInboundOut(frame))
        }
        guard buffer.readableBytes == 0 else { throw WireError.truncated }
        return .needMoreData
    }
}

/// Encodes frames for a channel (`MessageToByteHandler(WireFrameEncoder())`).
public struct WireFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = WireFrame

    public init() {}

    public func encode(data: WireFrame, out: inout ByteBuffer) throws {
        try data.encode(into: &out)
    }
}
