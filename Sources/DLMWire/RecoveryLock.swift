// dlmd — DLMWire: the lock carried to a new master during recovery (`rcom_lock`), spec §9.5.

import DLMCore
import NIOCore

/// A process copy's state sent to its resource's new master (LOCK), echoed back with the master-copy
/// id and a result (LOCK_REPLY).
public struct RecoveryLock: Sendable, Hashable {
    /// Owning process id.
    public var ownerPID: UInt32 = 0
    /// Holder's lock id.
    public var lockID: LockID = 0
    /// Master-copy id (in the reply).
    public var remoteID: LockID = 0
    /// `DLM_LKF_*` flags.
    public var exflags: UInt32 = 0
    /// Shared flags (bit0 user lock, bit1 orphan).
    public var flags: UInt32 = 0
    /// LVB sequence number.
    public var lvbSequence: UInt32 = 0
    /// 0, -EEXIST (already have it) or -EBADR (resend), in the reply.
    public var result: Int32 = 0
    /// Requested mode (`nil` = none).
    public var requestedMode: LockMode?
    /// Granted mode (`nil` = none, e.g. a middle conversion in flight).
    public var grantedMode: LockMode?
    /// Queue the lock is on.
    public var status: LockMessage.QueueStatus = .none
    /// Completion/blocking AST bits.
    public var asts: UInt8 = 0
    /// The reply type the holder was waiting for, 0 = none.
    public var waitType: UInt16 = 0
    /// Resource name.
    public var name: ResourceName
    /// The lock's LVB, if it has one.
    public var valueBlock: ValueBlock?

    public init(name: ResourceName) {
        self.name = name
    }

    /// Bytes before the name.
    public static let fixedBytes = 40

    func validate() throws(WireError) {
        guard asts <= LockMessage.astsMax else { throw .malformed(.asts) }
        if let valueBlock, valueBlock.count > Limits.valueBlockBytesMax { throw .malformed(.valueBlock) }
    }

    var encodedBytes: Int { Self.fixedBytes + name.bytes.count + (valueBlock?.count ?? 0) }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(ownerPID)
        buffer.writeWire(lockID)
        buffer.writeWire(remoteID)
        buffer.writeWire(exflags)
        buffer.writeWire(flags)
        buffer.writeWire(lvbSequence)
        buffer.writeWire(result)
        buffer.writeWire(WireCodec.modeByte(requestedMode))
        buffer.writeWire(WireCodec.modeByte(grantedMode))
        buffer.writeWire(status.rawValue)
        buffer.writeWire(asts)
        buffer.writeWire(waitType)
        buffer.writeWire(UInt8(name.bytes.count))
        buffer.writeWire(UInt8(0))
        buffer.writeWire(WireCodec.valueBlockLength(valueBlock))
        buffer.writeWire(UInt16(0))
        buffer.writeBytes(name.bytes)
        if let valueBlock { buffer.writeBytes(valueBlock.bytes) }
    }

    static func decode(from buffer: inout ByteBuffer) throws(WireError) -> RecoveryLock {
        var lock = RecoveryLock(name: ResourceName.empty)
        lock.ownerPID = try buffer.readWire()
        lock.lockID = try buffer.readWire()
        lock.remoteID = try buffer.readWire()
        lock.exflags = try buffer.readWire()
        lock.flags = try buffer.readWire()
        lock.lvbSequence = try buffer.readWire()
        lock.result = try buffer.readWire()
        lock.requestedMode = try WireCodec.mode(buffer.readWire())
        lock.grantedMode = try WireCodec.mode(buffer.readWire())
        guard let status = LockMessage.QueueStatus(rawValue: try buffer.readWire()) else {
            throw .malformed(.queueStatus)
        }
        lock.status = status
        lock.asts = try buffer.readWire()
        lock.waitType = try buffer.readWire()
        let nameLength: UInt8 = try buffer.readWire()
        let _: UInt8 = try buffer.readWire()
        let valueBlockLength: UInt16 = try buffer.readWire()
        let _: UInt16 = try buffer.readWire()
        lock.name = try buffer.readWireName(count: Int(nameLength))
        lock.valueBlock = try buffer.readWireValueBlock(length: valueBlockLength)
        try buffer.expectFullyRead()
        try lock.validate()
        return lock
    }
}
