// dlmd — DLMWire: the message set of the node-to-node protocol (spec §9.4, §9.5, plus link messages).

/// The type byte of a frame. Lock messages 1...14 follow the kernel's numbering; recovery messages
/// start at 32 and link-level messages at 64.
public enum WireMessageType: UInt8, Sendable, CaseIterable {
    case request = 1
    case convert = 2
    case unlock = 3
    case cancel = 4
    case requestReply = 5
    case convertReply = 6
    case unlockReply = 7
    case cancelReply = 8
    case grant = 9
    case bast = 10
    case lookup = 11
    case remove = 12
    case lookupReply = 13
    case purge = 14

    case status = 32
    case statusReply = 33
    case names = 34
    case namesReply = 35
    case recoveryLookup = 36
    case recoveryLookupReply = 37
    case lockTransfer = 38
    case lockTransferReply = 39

    case hello = 64
    case helloReply = 65
    case heartbeat = 66
    case ack = 67

    /// Membership heartbeat (protocol 1.2): the sender's incarnation and committed view generation.
    case viewHeartbeat = 80
    /// Membership phase 1 (1.2): stop for a proposed view.
    case viewStop = 81
    /// A member stopped for a proposal (1.2).
    case viewStopAck = 82
    /// A member refuses a proposal (1.2).
    case viewNack = 83
    /// Membership phase 2 (1.2): the agreed view.
    case viewCommit = 84
    /// A departed member incarnation was fenced (1.2).
    case viewFenced = 85

    /// Whether frames of this type go through the reliable session (sequence numbers, resend).
    /// Link-level frames (64...79 and the membership heartbeat) are not sequenced; they only carry the
    /// cumulative acknowledgement. The membership view-change messages (81...89) are sequenced.
    public var isSequenced: Bool { rawValue < WireMessageType.hello.rawValue || isViewChange }

    /// Whether this is a membership message (80...89, protocol 1.2).
    public var isMembership: Bool { (80...89).contains(rawValue) }

    /// A sequenced membership message (view change or fencing notice, 81...89).
    public var isViewChange: Bool { (81...89).contains(rawValue) }

    /// Whether this is a lock message (spec §9.4 layout).
    public var isLockMessage: Bool { rawValue <= WireMessageType.purge.rawValue }
}
