// dlmd — DLMWire: the payload of the 14 lock messages (REQUEST ... PURGE), spec §9.4's field set.

import DLMCore
import NIOCore

/// The fields of a lock message. One layout serves all 14 lock message types, as in the kernel; which
/// fields matter depends on the type (see docs/protocol.md).
public struct LockMessage: Sendable, Hashable {
    /// Which queue a lock is on (`m_status`).
    public enum QueueStatus: UInt8, Sendable, Hashable {
        case none = 0
        case waiting = 1
        case granted = 2
        case converting = 3
    }

    /// Node the message is about (`m_nodeid`: the master in LOOKUP_REPLY, the owner in PURGE).
    public var node: NodeID = 0
    /// Owning process id (`m_pid`).
    public var pid: UInt32 = 0
    /// The sender's lock id (`m_lkid`).
    public var lockID: LockID = 0
    /// The receiver's lock id (`m_remid`).
    public var remoteID: LockID = 0
    /// `DLM_LKF_*` flags of the operation (`m_exflags`).
    public var exflags: UInt32 = 0
    /// `DLM_SBF_*` status-block flags (`m_sbflags`).
    public var sbflags: UInt32 = 0
    /// Shared flags (`m_flags`: bit0 user lock, bit1 orphan).
    public var flags: UInt32 = 0
    /// LVB sequence number (`m_lvbseq`).
    public var lvbSequence: UInt32 = 0
    /// Name hash (`m_hash`).
    public var hash: UInt32 = 0
    /// Result: 0 or a negated errno (`m_result`, spec §9.6).
    public var result: Int32 = 0
    /// Granted mode, `nil` = none (IV).
    public var grantedMode: LockMode?
    /// Requested mode, `nil` = none (IV).
    public var requestedMode: LockMode?
    /// Mode of a blocking AST (BAST only).
    public var bastMode: LockMode?
    /// Queue the lock is on.
    public var status: QueueStatus = .none
    /// bit0 the holder has a completion AST, bit1 a blocking AST (`m_asts`).
    public var asts: UInt8 = 0
    /// Resource name (REQUEST, LOOKUP, REMOVE; empty otherwise).
    public var name: ResourceName
    /// Lock value block, when the operation carries one.
    public var valueBlock: ValueBlock?
    /// LKF_TIMEOUT of a REQUEST or CONVERT in centiseconds (additive: a u32 after the LVB,
    /// present only when non-nil; before the fencing trailer when both are present).
    public var timeoutCentiseconds: UInt32?
    /// The sender's fencing clock (dlmd extension, docs/cluster.md "Fencing tokens"): every lock
    /// message carries it and the receiver keeps the maximum, so mastery handed on by REMOVE and
    /// LOOKUP_REPLY carries every token the old master issued. 0 = none.
    public var fenceClock: UInt64 = 0
    /// The fencing token of an EX/PW grant (REQUEST_REPLY, CONVERT_REPLY, GRANT); 0 = none.
    public var fenceToken: UInt64 = 0

    /// Bytes before the name.
    public static let fixedBytes = 48
    /// Bytes of the optional fencing trailer (clock u64, token u64) after the LVB, present only when
    /// either is non-zero.
    public static let fenceTrailerBytes = 16
    /// Largest `asts` value (two bits).
    static let astsMax: UInt8 = 3

    /// A message about `name` with every other field zero/none.
    public init(name: ResourceName) {
        self.name = name
    }

    /// Checks the ranges the encoding cannot express by itself.
    /// - Parameter type: the frame's type; REQUEST/CONVERT need a requested mode, BAST a bast mode.
    /// - Throws: `WireError.malformed` naming the offending field.
    public func validate(as type: WireMessageType) throws(WireError) {
        guard asts <= Self.astsMax else { throw .malformed(.asts) }
        if let valueBlock, valueBlock.count > Limits.valueBlockBytesMax { throw .malformed(.valueBlock) }
        switch type {
        case .request, .convert:
            guard requestedMode != nil else { throw .malformed(.mode) }
        case .bast:
            guard bastMode != nil else { throw .malformed(.mode) }
        default:
            break
        }
    }

    /// Encoded payload length.
    var encodedBytes: Int {
        Self.fixedBytes + name.bytes.count + (valueBlock?.count ?? 0) + (timeoutCentiseconds == nil ? 0 : 4)
            + (hasFenceTrailer ? Self.fenceTrailerBytes : 0)
    }

    /// Whether the encoding ends with the fencing trailer.
    var hasFenceTrailer: Bool { fenceClock != 0 || fenceToken != 0 }

    /// Appends the payload (layout in docs/protocol.md).
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(node)
        buffer.writeWire(pid)
        buffer.writeWire(lockID)
        buffer.writeWire(remoteID)
        buffer.writeWire(exflags)
        buffer.writeWire(sbflags)
        buffer.writeWire(flags)
        buffer.writeWire(lvbSequence)
        buffer.writeWire(hash)
        buffer.writeWire(result)
        buffer.writeWire(WireCodec.modeByte(grantedMode))
        buffer.writeWire(WireCodec.modeByte(requestedMode))
        buffer.writeWire(WireCodec.modeByte(bastMode))
        buffer.writeWire(status.rawValue)
        buffer.writeWire(asts)
        buffer.writeWire(UInt8(name.bytes.count))
        buffer.writeWire(WireCodec.valueBlockLength(valueBlock))
        buffer.writeBytes(name.bytes)
        if let valueBlock { buffer.writeBytes(valueBlock.bytes) }
        if let timeoutCentiseconds { buffer.writeWire(timeoutCentiseconds) }
        if hasFenceTrailer {
            buffer.writeWire(fenceClock)
            buffer.writeWire(fenceToken)
        }
    }

    /// Reads a payload that must fill `buffer` exactly.
    static func decode(from buffer: inout ByteBuffer) throws(WireError) -> LockMessage {
        var message = LockMessage(name: ResourceName.empty)
        message.node = try buffer.readWire()
        message.pid = try buffer.readWire()
        message.lockID = try buffer.readWire()
        message.remoteID = try buffer.readWire()
        message.exflags = try buffer.readWire()
        message.sbflags = try buffer.readWire()
        message.flags = try buffer.readWire()
        message.lvbSequence = try buffer.readWire()
        message.hash = try buffer.readWire()
        message.result = try buffer.readWire()
        message.grantedMode = try WireCodec.mode(buffer.readWire())
        message.requestedMode = try WireCodec.mode(buffer.readWire())
        message.bastMode = try WireCodec.mode(buffer.readWire())
        guard let status = QueueStatus(rawValue: try buffer.readWire()) else { throw .malformed(.queueStatus) }
        message.status = status
        message.asts = try buffer.readWire()
        let nameLength: UInt8 = try buffer.readWire()
        let valueBlockLength: UInt16 = try buffer.readWire()
        message.name = try buffer.readWireName(count: Int(nameLength))
        message.valueBlock = try buffer.readWireValueBlock(length: valueBlockLength)
        // Optional trailers after the LVB, told apart by the bytes left (4, 16 or 20): the LKF_TIMEOUT
        // u32 first, then the 16-byte fencing trailer. Any other remainder stays malformed.
        if buffer.readableBytes == 4 || buffer.readableBytes == 4 + fenceTrailerBytes {
            message.timeoutCentiseconds = try buffer.readWire()
        }
        if buffer.readableBytes == fenceTrailerBytes {
            message.fenceClock = try buffer.readWire()
            message.fenceToken = try buffer.readWire()
            // One encoding per message: an all-zero trailer is never written.
            guard message.hasFenceTrailer else { throw .malformed(.fenceTrailer) }
        }
        try buffer.expectFullyRead()
        return message
    }
}

extension ResourceName {
    /// The empty name (valid: 0 bytes).
    static let empty: ResourceName = try! ResourceName(bytes: [UInt8]())
}
