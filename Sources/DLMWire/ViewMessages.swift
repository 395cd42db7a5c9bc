// dlmd — DLMWire: the membership payloads of protocol 1.2 (types 80...85): heartbeats that announce
// an incarnation and a view generation, and the two-phase view change with fencing notices.

import DLMCore
import NIOCore

/// One member incarnation as it travels in a view (8 bytes: node u32, incarnation u32).
public struct ViewMember: Sendable, Hashable {
    public var node: NodeID
    public var incarnation: UInt32

    public init(node: NodeID, incarnation: UInt32) {
        self.node = node
        self.incarnation = incarnation
    }

    static let encodedBytes = 8
}

/// A view as it travels in VIEW_STOP and VIEW_COMMIT: the generation and the member list.
///
///     off size field
///       0   8  generation
///       8   4  member count (≤ `Limits.viewMembersMax`)
///      12   4  reserved (0)
///      16  8n  members: node u32, incarnation u32
public struct ViewPayload: Sendable, Hashable {
    public var generation: UInt64
    public var members: [ViewMember]

    public init(generation: UInt64, members: [ViewMember]) {
        self.generation = generation
        self.members = members
    }

    static let fixedBytes = 16
    var encodedBytes: Int { Self.fixedBytes + members.count * ViewMember.encodedBytes }

    func validate() throws(WireError) {
        guard members.count <= Limits.viewMembersMax else { throw .malformed(.members) }
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(generation)
        buffer.writeWire(UInt32(members.count))
        buffer.writeWire(UInt32(0))
        for member in members {
            buffer.writeWire(member.node)
            buffer.writeWire(member.incarnation)
        }
    }

    static func decode(from buffer: inout ByteBuffer) throws(WireError) -> ViewPayload {
        let generation: UInt64 = try buffer.readWire()
        let count: UInt32 = try buffer.readWire()
        let _: UInt32 = try buffer.readWire()
        guard Int(count) <= Limits.viewMembersMax, Int(count) * ViewMember.encodedBytes == buffer.readableBytes else {
            throw .malformed(.members)
        }
        var members: [ViewMember] = []
        members.reserveCapacity(Int(count))
        for _ in 0..<count {
            let node: NodeID = try buffer.readWire()
            let incarnation: UInt32 = try buffer.readWire()
            members.append(ViewMember(node: node, incarnation: incarnation))
        }
        return ViewPayload(generation: generation, members: members)
    }
}

extension WireMessage {
    /// Payload length of a membership message (types 80...85).
    var viewPayloadBytes: Int {
        switch self {
        case .viewHeartbeat: return 16
        case .viewStop(let view), .viewCommit(let view): return view.encodedBytes
        case .viewStopAck, .viewNack: return 8
        case .viewFenced: return ViewMember.encodedBytes
        default: return 0
        }
    }

    /// Appends a membership message's payload.
    func encodeViewPayload(into buffer: inout ByteBuffer) {
        switch self {
        case .viewHeartbeat(let incarnation, let generation):
            buffer.writeWire(incarnation)
            buffer.writeWire(UInt32(0))
            buffer.writeWire(generation)
        case .viewStop(let view), .viewCommit(let view):
            view.encode(into: &buffer)
        case .viewStopAck(let generation), .viewNack(let generation):
            buffer.writeWire(generation)
        case .viewFenced(let member):
            buffer.writeWire(member.node)
            buffer.writeWire(member.incarnation)
        default:
            break
        }
    }

    /// Decodes a membership payload of `type`.
    static func decodeView(type: WireMessageType, payload: inout ByteBuffer) throws(WireError) -> WireMessage {
        switch type {
        case .viewHeartbeat:
            let incarnation: UInt32 = try payload.readWire()
            let _: UInt32 = try payload.readWire()
            return .viewHeartbeat(incarnation: incarnation, generation: try payload.readWire())
        case .viewStop: return .viewStop(try ViewPayload.decode(from: &payload))
        case .viewCommit: return .viewCommit(try ViewPayload.decode(from: &payload))
        case .viewStopAck: return .viewStopAck(generation: try payload.readWire())
        case .viewNack: return .viewNack(highest: try payload.readWire())
        case .viewFenced:
            let node: NodeID = try payload.readWire()
            return .viewFenced(ViewMember(node: node, incarnation: try payload.readWire()))
        default: throw .unknownType(type.rawValue)
        }
    }
}
