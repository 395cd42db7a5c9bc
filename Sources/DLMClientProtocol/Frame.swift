// dlmd — DLMClientProtocol: a message with its request id, and its encoding into bytes.

import DLMCore

/// A message that can travel in a client-protocol frame. `ClientRequest` flows client → daemon,
/// `DaemonMessage` daemon → client; each side's decoder accepts only its own direction's types.
public protocol ClientProtocolMessage: Sendable, Hashable {
    /// The header's `type` for this message.
    var messageType: MessageType { get }
    /// Appends the payload (everything after the header) to `out`.
    func encodePayload(into out: inout [UInt8])
    /// Whether this direction accepts frames of `type` (checked from the header, before the payload).
    static func accepts(_ type: MessageType) -> Bool
    /// Decodes a payload of `type`; must consume exactly the reader's bytes.
    static func decodePayload(type: MessageType, reader: inout PayloadReader) throws(ProtocolError) -> Self
}

/// One frame: a message and the request id it answers (0 in callbacks).
public struct Frame<Message: ClientProtocolMessage>: Sendable, Hashable {
    /// The client-chosen request id, echoed in the reply; 0 in callbacks.
    public var requestID: UInt32
    /// The message.
    public var message: Message

    public init(requestID: UInt32, message: Message) {
        self.requestID = requestID
        self.message = message
    }

    /// Appends this frame's bytes (header and payload) to `out`.
    ///
    /// Callers must keep messages within `Limits.clientFrameBytesMax` (split query text with
    /// `ClientProtocol.queryTextChunkBytesMax`); a larger frame is a programming error and stops the process.
    public func encode(into out: inout [UInt8]) {
        let start = out.count
        out.appendInteger(ClientProtocol.magic)
        out.append(ClientProtocol.major)
        out.append(ClientProtocol.minor)
        out.appendInteger(message.messageType.rawValue)
        out.appendInteger(UInt16(0))
        out.appendInteger(UInt32(0))  // length, patched below
        out.appendInteger(requestID)
        message.encodePayload(into: &out)
        let length = out.count - start
        invariant(
            length <= ClientProtocol.frameBytesMax, "encoded client frame exceeds Limits.clientFrameBytesMax",
            dump: "type \(message.messageType) length \(length)")
        var value = UInt32(length)
        for offset in 8..<12 {
            out[start + offset] = UInt8(truncatingIfNeeded: value)
            value >>= 8
        }
    }

    /// This frame's bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        encode(into: &out)
        return out
    }
}

/// A frame sent by a client.
public typealias RequestFrame = Frame<ClientRequest>
/// A frame sent by the daemon.
public typealias ReplyFrame = Frame<DaemonMessage>
