// dlmd — DLMClientProtocol: the payload of RECOVERY_EVENT, one lockspace recovery notification.

import DLMCore

/// One lockspace recovery notification (`RECOVERY_EVENT`, dlmd extension, sent only to a connection
/// that enabled `RECOVERY_EVENTS`). The lockspace is the connection's own. Payload layouts
/// (docs/client-protocol.md, "Recovery events"):
///
///     prep:  kind u8 = 1
///     slot:  kind u8 = 2, node u32, slot u16
///     done:  kind u8 = 3, generation u64, our_slot u16, count u16, count × (node u32, slot u16)
public enum RecoveryNotice: Sendable, Hashable {
    /// recover_prep: the lockspace stopped for a membership change; lock calls are queued.
    case prep
    /// recover_slot: member `node`, which had `slot` (0 if it never had one), failed.
    case slot(node: NodeID, slot: UInt16)
    /// recover_done: recovery for view `generation` finished; every member with its slot, and ours.
    case done(generation: UInt64, ourSlot: UInt16, members: [RecoveryMemberSlot])

    /// The `kind` byte.
    enum Kind: UInt8 {
        case prep = 1
        case slot = 2
        case done = 3
    }

    /// Bytes of one `(node u32, slot u16)` pair.
    static let memberBytes = 6
    /// Bytes of a `done` payload before its member pairs.
    static let doneFixedBytes = 1 + 8 + 2 + 2

    /// The most members one `done` frame can list within `Limits.clientFrameBytesMax` (677); a
    /// larger cluster's list is cut to this many (lowest node ids first) by the daemon.
    public static var membersMax: Int {
        (ClientProtocol.frameBytesMax - ClientProtocol.headerBytes - doneFixedBytes) / memberBytes
    }

    func encode(into out: inout [UInt8]) {
        switch self {
        case .prep:
            out.append(Kind.prep.rawValue)
        case .slot(let node, let slot):
            out.append(Kind.slot.rawValue)
            out.appendInteger(node)
            out.appendInteger(slot)
        case .done(let generation, let ourSlot, let members):
            invariant(members.count <= Self.membersMax, "recovery done lists more members than a frame holds",
                dump: "\(members.count)")
            out.append(Kind.done.rawValue)
            out.appendInteger(generation)
            out.appendInteger(ourSlot)
            out.appendInteger(UInt16(members.count))
            for member in members {
                out.appendInteger(member.node)
                out.appendInteger(member.slot)
            }
        }
    }

    static func decode(from reader: inout PayloadReader) throws(ProtocolError) -> RecoveryNotice {
        guard let kind = Kind(rawValue: try reader.readInteger()) else { throw reader.fail(.badRecoveryKind) }
        switch kind {
        case .prep:
            return .prep
        case .slot:
            let node: UInt32 = try reader.readInteger()
            return .slot(node: node, slot: try reader.readInteger())
        case .done:
            let generation: UInt64 = try reader.readInteger()
            let ourSlot: UInt16 = try reader.readInteger()
            let count = Int(try reader.readInteger(UInt16.self))
            guard reader.remaining == count * memberBytes else {
                throw reader.fail(reader.remaining < count * memberBytes ? .truncated : .trailingBytes)
            }
            var members: [RecoveryMemberSlot] = []
            members.reserveCapacity(count)
            for _ in 0..<count {
                let node: UInt32 = try reader.readInteger()
                members.append(RecoveryMemberSlot(node: node, slot: try reader.readInteger()))
            }
            return .done(generation: generation, ourSlot: ourSlot, members: members)
        }
    }
}

/// A lockspace member and its slot (1-based, stable for the member's lifetime; 0 = none) in a
/// `RecoveryNotice.done`.
public struct RecoveryMemberSlot: Sendable, Hashable {
    /// The member's node id.
    public var node: NodeID
    /// Its slot.
    public var slot: UInt16

    public init(node: NodeID, slot: UInt16) {
        self.node = node
        self.slot = slot
    }
}
