// dlmd — DLMClientProtocol: why a byte stream is not a valid frame sequence.

/// A protocol violation found while decoding. The receiver logs it and closes the connection; for
/// `.unsupportedVersion` the daemon first answers `RESULT` EPROTO to `requestID`.
public enum ProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The first two bytes were not `ClientProtocol.magic`.
    case badMagic(UInt16)
    /// A different major version, or a minor above ours.
    case unsupportedVersion(major: UInt8, minor: UInt8, requestID: UInt32)
    /// `length` outside `16...Limits.clientFrameBytesMax`.
    case badLength(UInt32)
    /// A type this side does not accept.
    case unknownType(UInt16)
    /// The payload's fields do not exactly fill the frame, or a field holds an impossible value.
    case malformedPayload(type: UInt16, reason: MalformedReason)

    public var description: String {
        switch self {
        case .badMagic(let magic): return "bad magic 0x\(String(magic, radix: 16))"
        case .unsupportedVersion(let major, let minor, _): return "unsupported version \(major).\(minor)"
        case .badLength(let length): return "bad frame length \(length)"
        case .unknownType(let type): return "unknown message type 0x\(String(type, radix: 16))"
        case .malformedPayload(let type, let reason):
            return "malformed \(MessageType(rawValue: type)) payload: \(reason.rawValue)"
        }
    }
}

/// What exactly was wrong with a payload (constant texts, safe to log).
public enum MalformedReason: String, Sendable, Hashable {
    case truncated = "a field runs past the end of the frame"
    case trailingBytes = "bytes left after the last field"
    case badBoolean = "a flag byte is neither 0 nor 1"
    case badValueBlock = "value block length outside 1...Limits.valueBlockBytesMax"
    case unexpectedValueBlock = "value block bytes present while has_lvb is 0"
    case badUTF8 = "text is not valid UTF-8"
    case badMode = "lock mode outside 0...5"
    case badStatus = "unknown completion status"
    case badOutcome = "outcome is neither 0 nor 1"
    case badRecoveryKind = "recovery event kind is not 1, 2 or 3"
}
