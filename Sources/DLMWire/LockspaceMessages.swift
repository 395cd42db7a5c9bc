// dlmd — DLMWire: lockspace-level messages (types 90...99): ANNOUNCE makes a lockspace created on
// one node known to its peers with the settings every node must share; QUERY asks a peer for the
// name behind a lockspace id it sent a message for.

import DLMCore
import NIOCore

/// LOCKSPACE_ANNOUNCE: a lockspace's name and the node settings every member must agree on. The
/// frame header's lockspace id is the name's global id; the receiver checks that it matches.
public struct LockspaceAnnounce: Sendable, Hashable {
    /// Bit 0 of `flags`: NODIR (masters from the name hash, no directory lookups).
    public static let noDirectoryFlag: UInt32 = 1
    /// Most `master` weight entries one announce carries.
    public static let weightsMax = 255
    /// Bytes before the name: flags u32, LVB length u16, name length u8, weight count u8.
    static let fixedBytes = 8
    /// Bytes of one weight entry: node u32, weight u32.
    static let weightBytes = 8

    /// The lockspace name (1...64 bytes of UTF-8).
    public var name: LockspaceName
    /// Bit 0 NODIR; other bits are zero.
    public var flags: UInt32
    /// LVB length of the lockspace.
    public var valueBlockLength: UInt16
    /// NODIR master weights (`master` lines), sorted by node; empty = every member weighs 1.
    public var masterWeights: [(node: NodeID, weight: UInt32)]

    public init(name: LockspaceName, flags: UInt32, valueBlockLength: UInt16, masterWeights: [(node: NodeID, weight: UInt32)]) {
        self.name = name
        self.flags = flags
        self.valueBlockLength = valueBlockLength
        self.masterWeights = masterWeights.sorted { $0.node < $1.node }
    }

    /// Whether the lockspace is NODIR.
    public var noDirectory: Bool { flags & Self.noDirectoryFlag != 0 }

    public static func == (lhs: LockspaceAnnounce, rhs: LockspaceAnnounce) -> Bool {
        lhs.name == rhs.name && lhs.flags == rhs.flags && lhs.valueBlockLength == rhs.valueBlockLength
            && lhs.masterWeights.map(\.node) == rhs.masterWeights.map(\.node)
            && lhs.masterWeights.map(\.weight) == rhs.masterWeights.map(\.weight)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(flags)
        hasher.combine(valueBlockLength)
        for entry in masterWeights {
            hasher.combine(entry.node)
            hasher.combine(entry.weight)
        }
    }

    func validate() throws(WireError) {
        guard flags & ~Self.noDirectoryFlag == 0 else { throw .malformed(.headerFlags) }
        guard Int(valueBlockLength) <= Limits.valueBlockBytesMax, valueBlockLength % 8 == 0 else {
            throw .malformed(.valueBlock)
        }
        guard masterWeights.count <= Self.weightsMax else { throw .malformed(.weights) }
    }

    var encodedBytes: Int { Self.fixedBytes + name.value.utf8.count + masterWeights.count * Self.weightBytes }

    func encode(into buffer: inout ByteBuffer) {
        let nameBytes = Array(name.value.utf8)
        buffer.writeWire(flags)
        buffer.writeWire(valueBlockLength)
        buffer.writeWire(UInt8(nameBytes.count))
        buffer.writeWire(UInt8(masterWeights.count))
        buffer.writeBytes(nameBytes)
        for entry in masterWeights {
            buffer.writeWire(entry.node)
            buffer.writeWire(entry.weight)
        }
    }

    static func decode(from buffer: inout ByteBuffer) throws(WireError) -> LockspaceAnnounce {
        let flags: UInt32 = try buffer.readWire()
        let valueBlockLength: UInt16 = try buffer.readWire()
        let nameLength: UInt8 = try buffer.readWire()
        let weightCount: UInt8 = try buffer.readWire()
        guard nameLength >= 1, Int(nameLength) <= Limits.lockspaceNameBytesMax else { throw .malformed(.name) }
        let nameBytes = try buffer.readWireBytes(Int(nameLength), field: .name)
        guard let text = String(validating: nameBytes, as: UTF8.self), let name = try? LockspaceName(text) else {
            throw .malformed(.name)
        }
        var weights: [(node: NodeID, weight: UInt32)] = []
        for _ in 0..<weightCount {
            let node: NodeID = try buffer.readWire()
            let weight: UInt32 = try buffer.readWire()
            weights.append((node, weight))
        }
        try buffer.expectFullyRead()
        guard zip(weights, weights.dropFirst()).allSatisfy({ $0.node < $1.node }) else { throw .malformed(.weights) }
        let announce = LockspaceAnnounce(name: name, flags: flags, valueBlockLength: valueBlockLength, masterWeights: weights)
        try announce.validate()
        return announce
    }
}
