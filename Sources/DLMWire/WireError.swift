// dlmd — DLMWire: why a node-to-node frame was refused.

/// A frame that cannot be encoded or was refused while decoding. Decoding never traps and never
/// allocates more than the frame's declared, bounded length.
public enum WireError: Error, Sendable, Hashable {
    /// The first four bytes are not the frame magic.
    case badMagic(UInt32)
    /// The peer speaks another major protocol version.
    case unsupportedVersion(major: UInt8, minor: UInt8)
    /// The message type is not one this version knows.
    case unknownType(UInt8)
    /// The declared frame (header + payload) is longer than `Limits.peerFrameBytesMax`.
    case frameTooLarge(bytes: Int)
    /// The stream ended inside a frame.
    case truncated
    /// A field is out of range, a length disagrees with the payload, or bytes are left over.
    case malformed(WireField)
}

/// The field a `WireError.malformed` names.
public enum WireField: String, Sendable, Hashable {
    case headerFlags
    case payloadLength
    case name
    case valueBlock
    case mode
    case queueStatus
    case asts
    case slots
    case names
    case clusterName
    case nonce
    case mac
    case trailingBytes
    case fenceTrailer
    case members
}
