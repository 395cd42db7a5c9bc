// dlmd — DLMClientProtocol: constants of the Unix-socket client protocol (docs/client-protocol.md).

import DLMCore

/// Constants of the client protocol's frame header (docs/client-protocol.md, "Frame").
///
/// Every frame, in both directions, is a 16-byte little-endian header followed by a payload:
///
///     0      2      3      4      6      8        12        16
///     +------+------+------+------+------+--------+---------+----------
///     |magic |major |minor |type  |rsvd  |length  |request  | payload…
///     +------+------+------+------+------+--------+---------+----------
///
/// `length` counts the whole frame, header included, and lies in `headerBytes...Limits.clientFrameBytesMax`.
public enum ClientProtocol {
    /// The magic number, bytes `'D' 'L'` read as a little-endian `u16`.
    public static let magic: UInt16 = 0x4C44
    /// The protocol major version this build speaks; a peer with another major is rejected.
    public static let major: UInt8 = 1
    /// The protocol minor version this build speaks; a peer's minor must not exceed it.
    public static let minor: UInt8 = 0
    /// Size of the frame header in bytes.
    public static let headerBytes = 16
    /// Largest frame, header included (`Limits.clientFrameBytesMax`).
    public static var frameBytesMax: Int { Limits.clientFrameBytesMax }
    /// Largest text a single `QUERY_TEXT` frame carries (frame max minus header, `last u8` and the `u16` count).
    public static var queryTextChunkBytesMax: Int { frameBytesMax - headerBytes - 1 - 2 }
}


/// The `type` field of a frame header.
public struct MessageType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    // MARK: - Requests (client → daemon)
    public static let createLockspace = MessageType(rawValue: 0x0001)
    public static let openLockspace = MessageType(rawValue: 0x0002)
    public static let releaseLockspace = MessageType(rawValue: 0x0003)
    public static let releaseByName = MessageType(rawValue: 0x0004)
    public static let lock = MessageType(rawValue: 0x0010)
    public static let unlock = MessageType(rawValue: 0x0011)
    public static let purge = MessageType(rawValue: 0x0012)
    /// dlmd extension: ask for `FENCE_TOKEN` callbacks on this connection.
    public static let fenceTokens = MessageType(rawValue: 0x0013)
    /// dlmd extension: ask for `RECOVERY_EVENT` callbacks on this connection.
    public static let recoveryEvents = MessageType(rawValue: 0x0014)
    public static let query = MessageType(rawValue: 0x0020)
    public static let fenceAck = MessageType(rawValue: 0x0021)

    // MARK: - Replies and callbacks (daemon → client)
    public static let result = MessageType(rawValue: 0x0081)
    public static let completion = MessageType(rawValue: 0x0090)
    public static let blocking = MessageType(rawValue: 0x0091)
    public static let queryText = MessageType(rawValue: 0x0092)
    /// dlmd extension: the fencing token of the EX/PW grant whose `COMPLETION` follows.
    public static let fenceToken = MessageType(rawValue: 0x0093)
    /// dlmd extension: a lockspace recovery notification (prep, slot, done).
    public static let recoveryEvent = MessageType(rawValue: 0x0094)

    public var description: String {
        switch self {
        case .createLockspace: return "CREATE_LOCKSPACE"
        case .openLockspace: return "OPEN_LOCKSPACE"
        case .releaseLockspace: return "RELEASE_LOCKSPACE"
        case .releaseByName: return "RELEASE_BY_NAME"
        case .lock: return "LOCK"
        case .unlock: return "UNLOCK"
        case .purge: return "PURGE"
        case .fenceTokens: return "FENCE_TOKENS"
        case .recoveryEvents: return "RECOVERY_EVENTS"
        case .query: return "QUERY"
        case .fenceAck: return "FENCE_ACK"
        case .result: return "RESULT"
        case .completion: return "COMPLETION"
        case .blocking: return "BLOCKING"
        case .queryText: return "QUERY_TEXT"
        case .fenceToken: return "FENCE_TOKEN"
        case .recoveryEvent: return "RECOVERY_EVENT"
        default: return "type(0x\(String(rawValue, radix: 16)))"
        }
    }
}
