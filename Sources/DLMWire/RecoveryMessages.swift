// dlmd — DLMWire: the recovery (RCOM) payloads other than lock transfer, spec §9.5.

import DLMCore
import NIOCore

/// The fields every recovery message starts with.
public struct RecoveryHeader: Sendable, Hashable {
    /// Result (`rc_result`): status bits, a master node id, or a negated errno, by message type.
    public var result: Int32 = 0
    /// Matches a reply to its request (`rc_id`).
    public var id: UInt64 = 0
    /// The sender's recovery sequence (`rc_seq`).
    public var sequence: UInt64 = 0
    /// The request's `rc_seq`, echoed in replies (`rc_seq_reply`); stale replies are dropped on it.
    public var sequenceReply: UInt64 = 0

    public init(result: Int32 = 0, id: UInt64 = 0, sequence: UInt64 = 0, sequenceReply: UInt64 = 0) {
        self.result = result
        self.id = id
        self.sequence = sequence
        self.sequenceReply = sequenceReply
    }

    /// Encoded length.
    static let encodedBytes = 32

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(result)
        buffer.writeWire(UInt32(0))
        buffer.writeWire(id)
        buffer.writeWire(sequence)
        buffer.writeWire(sequenceReply)
    }

    static func decode(from buffer: inout ByteBuffer) throws(WireError) -> RecoveryHeader {
        var header = RecoveryHeader()
        header.result = try buffer.readWire()
        let _: UInt32 = try buffer.readWire()
        header.id = try buffer.readWire()
        header.sequence = try buffer.readWire()
        header.sequenceReply = try buffer.readWire()
        return header
    }
}

/// STATUS_REPLY's configuration block and the slot table (`rcom_config`, `rcom_slot`).
public struct StatusReply: Sendable, Hashable {
    /// One member's slot.
    public struct Slot: Sendable, Hashable {
        public var node: NodeID
        public var slot: UInt16
        public init(node: NodeID, slot: UInt16) {
            self.node = node
            self.slot = slot
        }
    }

    /// LVB length of the lockspace (`rf_lvblen`); 0xFFFFFFFF with result -ESRCH = "not ready".
    public var lvbLength: UInt32 = 0
    /// Lockspace flags (`rf_lsflags`).
    public var lockspaceFlags: UInt32 = 0
    /// Reply flags (`rf_flags`).
    public var flags: UInt32 = 0
    /// The replier's slot (`rf_our_slot`).
    public var ourSlot: UInt16 = 0
    /// Membership generation (`rf_generation`).
    public var generation: UInt32 = 0
    /// The slot table, when the asker set NEED_SLOTS.
    public var slots: [Slot] = []

    public init() {}

    static let fixedBytes = 20
    static let slotBytes = 8

    func validate() throws(WireError) {
        guard slots.count <= Limits.recoverySlotsMax else { throw .malformed(.slots) }
    }

    var encodedBytes: Int { Self.fixedBytes + slots.count * Self.slotBytes }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(lvbLength)
        buffer.writeWire(lockspaceFlags)
        buffer.writeWire(flags)
        buffer.writeWire(ourSlot)
        buffer.writeWire(UInt16(slots.count))
        buffer.writeWire(generation)
        for slot in slots {
            buffer.writeWire(slot.node)
            buffer.writeWire(slot.slot)
            buffer.writeWire(UInt16(0))
        }
    }

    static func decode(from buffer: inout ByteBuffer) throws(WireError) -> StatusReply {
        var reply = StatusReply()
        reply.lvbLength = try buffer.readWire()
        reply.lockspaceFlags = try buffer.readWire()
        reply.flags = try buffer.readWire()
        reply.ourSlot = try buffer.readWire()
        let count: UInt16 = try buffer.readWire()
        reply.generation = try buffer.readWire()
        guard Int(count) <= Limits.recoverySlotsMax, Int(count) * slotBytes == buffer.readableBytes else {
            throw .malformed(.slots)
        }
        reply.slots.reserveCapacity(Int(count))
        for _ in 0..<count {
            let node: NodeID = try buffer.readWire()
            let slot: UInt16 = try buffer.readWire()
            let _: UInt16 = try buffer.readWire()
            reply.slots.append(Slot(node: node, slot: slot))
        }
        return reply
    }
}

/// NAMES_REPLY: a page of resource names the replier masters whose directory node is the asker.
public struct NamesReply: Sendable, Hashable {
    /// The names, in the order sent.
    public var names: [ResourceName]
    /// `true` when this page ends the list; `false` asks for another page after the last name.
    public var complete: Bool

    public init(names: [ResourceName], complete: Bool) {
        self.names = names
        self.complete = complete
    }

    static let fixedBytes = 4

    var encodedBytes: Int { Self.fixedBytes + names.reduce(0) { $0 + 1 + $1.bytes.count } }

    func validate() throws(WireError) {
        guard names.count <= Int(UInt16.max) else { throw .malformed(.names) }
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(UInt8(complete ? 1 : 0))
        buffer.writeWire(UInt8(0))
        buffer.writeWire(UInt16(names.count))
        for name in names { buffer.writeWireShortName(name) }
    }

    static func decode(from buffer: inout ByteBuffer) throws(WireError) -> NamesReply {
        let complete: UInt8 = try buffer.readWire()
        let _: UInt8 = try buffer.readWire()
        let count: UInt16 = try buffer.readWire()
        // Every name takes at least its length byte: a count the payload cannot hold is refused
        // before anything is reserved.
        guard complete <= 1, Int(count) <= buffer.readableBytes else { throw .malformed(.names) }
        var names: [ResourceName] = []
        names.reserveCapacity(Int(count))
        for _ in 0..<count { names.append(try buffer.readWireShortName()) }
        return NamesReply(names: names, complete: complete == 1)
    }
}
