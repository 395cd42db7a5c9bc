// dlmd — DLMClientProtocol: the incremental frame decoder (feed bytes, take frames).

import DLMCore

/// Turns a byte stream into frames. Feed whatever arrived, then call `next()` until it returns nil.
///
/// It never trusts a length: the header is checked as soon as its 16 bytes are present (magic,
/// version, 16 ≤ length ≤ 4096, known type), so a bad or oversized frame is rejected before its
/// payload is buffered, and at most one frame plus what was fed is ever held. After an error the
/// stream is unusable: every later `next()` throws the same error.
///
///     feed(bytes) ──▶ [buffer] ──next()──▶ Frame | nil (need more) | throws ProtocolError (close)
public struct FrameDecoder<Message: ClientProtocolMessage>: Sendable {
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: ProtocolError?

    public init() {}

    /// Bytes received but not yet returned as frames.
    public var bufferedBytes: Int { buffer.count - readIndex }

    /// Appends received bytes.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if readIndex > 0, readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil when more bytes are needed.
    /// - Throws: `ProtocolError` when the stream is not a valid frame sequence.
    public mutating func next() throws(ProtocolError) -> Frame<Message>? {
        if let failure { throw failure }
        do {
            return try decodeNext()
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func decodeNext() throws(ProtocolError) -> Frame<Message>? {
        guard bufferedBytes >= ClientProtocol.headerBytes else {
            try checkPartialMagic()
            return nil
        }
        let header = try FrameHeader(buffer[readIndex..<(readIndex + ClientProtocol.headerBytes)])
        guard Message.accepts(header.type) else { throw .unknownType(header.type.rawValue) }
        guard bufferedBytes >= Int(header.length) else { return nil }
        let payloadStart = readIndex + ClientProtocol.headerBytes
        let payloadEnd = readIndex + Int(header.length)
        var reader = PayloadReader(buffer[payloadStart..<payloadEnd], type: header.type.rawValue)
        let message = try Message.decodePayload(type: header.type, reader: &reader)
        try reader.finish()
        readIndex = payloadEnd
        return Frame(requestID: header.requestID, message: message)
    }

    /// Rejects a bad magic as soon as its bytes are there, without waiting for a whole header.
    private func checkPartialMagic() throws(ProtocolError) {
        let magicLow = UInt8(truncatingIfNeeded: ClientProtocol.magic)
        let magicHigh = UInt8(truncatingIfNeeded: ClientProtocol.magic >> 8)
        if bufferedBytes >= 1, buffer[readIndex] != magicLow {
            throw .badMagic(UInt16(buffer[readIndex]) | (bufferedBytes >= 2 ? UInt16(buffer[readIndex + 1]) << 8 : 0))
        }
        if bufferedBytes >= 2, buffer[readIndex + 1] != magicHigh {
            throw .badMagic(UInt16(buffer[readIndex]) | UInt16(buffer[readIndex + 1]) << 8)
        }
    }
}

/// A validated frame header.
struct FrameHeader {
    var type: MessageType
    var length: UInt32
    var requestID: UInt32

    init(_ bytes: ArraySlice<UInt8>) throws(ProtocolError) {
        var reader = PayloadReader(bytes, type: 0)
        guard let magic = try? reader.readInteger(UInt16.self), magic == ClientProtocol.magic else {
            throw .badMagic(UInt16(bytes[bytes.startIndex]) | UInt16(bytes[bytes.startIndex + 1]) << 8)
        }
        let major: UInt8 = try reader.readInteger()
        let minor: UInt8 = try reader.readInteger()
        let rawType: UInt16 = try reader.readInteger()
        _ = try reader.readInteger(UInt16.self)  // reserved: ignored on receipt, 0 when sent
        let length: UInt32 = try reader.readInteger()
        let requestID: UInt32 = try reader.readInteger()
        guard major == ClientProtocol.major, minor <= ClientProtocol.minor else {
            throw .unsupportedVersion(major: major, minor: minor, requestID: requestID)
        }
        guard length >= UInt32(ClientProtocol.headerBytes), length <= UInt32(ClientProtocol.frameBytesMax) else {
            throw .badLength(length)
        }
        self.type = MessageType(rawValue: rawType)
        self.length = length
        self.requestID = requestID
    }
}
