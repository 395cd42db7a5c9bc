// dlmd — DLMDirectory: which node is a resource's directory node (or static master); spec §8.1, §8.3.

import DLMCore

/// The weighted, ordered member list that maps name hashes to nodes.
///
/// Members are sorted by node id and each appears `weight` times in an expanded array; a name's node is
/// `array[(hash >> 16) % array.count]`. The same map gives the directory node in directory mode and the
/// static master in NODIR mode. Immutable: a membership change builds a new map.
public struct DirectoryMap: Sendable, Hashable {
    /// The members, ascending by node id, each repeated by its effective weight.
    public let expanded: [NodeID]
    /// The members, ascending by node id (weight 0 included).
    public let members: [NodeID]
    /// Each member's effective weight.
    public let effectiveWeights: [NodeID: UInt32]

    /// Builds a map from explicit member weights.
    ///
    /// Members with weight 0 are listed but never chosen, unless every member has weight 0: then each
    /// counts 1 (spec §8.1).
    /// - Parameter members: node id → weight; at least one member.
    /// - Throws: `DLMErrno.EINVAL` when empty, too many members, or a weight above `Limits.directoryWeightMax`.
    public init(memberWeights members: [NodeID: UInt32]) throws(DLMErrno) {
        guard !members.isEmpty, members.count <= Limits.directoryMembersMax else { throw .EINVAL }
        guard members.values.allSatisfy({ $0 <= Limits.directoryWeightMax }) else { throw .EINVAL }
        let sorted = members.keys.sorted()
        let allZero = members.values.allSatisfy { $0 == 0 }
        var effective: [NodeID: UInt32] = [:]
        var expanded: [NodeID] = []
        for node in sorted {
            let weight = allZero ? 1 : members[node, default: 0]
            effective[node] = weight
            expanded.append(contentsOf: repeatElement(node, count: Int(weight)))
        }
        invariant(!expanded.isEmpty, "directory map has no weight", dump: "\(members)")
        self.expanded = expanded
        self.members = sorted
        self.effectiveWeights = effective
    }

    /// Builds the map for a member list and the configured `master` lines (dlm.conf, spec §12.3).
    ///
    /// With no master lines every member weighs 1. With master lines, listed members take their
    /// configured weight and unlisted members weigh 0 ("lock servers"); when no listed node is a
    /// member, every member counts 1.
    /// - Parameters:
    ///   - members: the current members of the lockspace.
    ///   - configuredWeights: node → weight from the master lines (empty when there are none).
    /// - Throws: `DLMErrno.EINVAL` as `init(memberWeights:)`.
    public init(members: Set<NodeID>, configuredWeights: [NodeID: UInt32] = [:]) throws(DLMErrno) {
        var weights: [NodeID: UInt32] = [:]
        for node in members {
            weights[node] = configuredWeights.isEmpty ? 1 : (configuredWeights[node] ?? 0)
        }
        try self.init(memberWeights: weights)
    }

    /// Total weight (the expanded array's length).
    public var totalWeight: Int { expanded.count }

    /// The node chosen for a hash.
    /// - Parameter hash: the name hash (`NameHash.hash`).
    /// - Returns: `expanded[(hash >> 16) % totalWeight]`.
    public func node(forHash hash: UInt32) -> NodeID {
        expanded[Int(hash >> 16) % expanded.count]
    }

    /// The directory node of a resource (directory mode), or its static master (NODIR mode).
    /// - Parameter name: the resource name.
    /// - Returns: the node id.
    public func directoryNode(for name: ResourceName) -> NodeID {
        node(forHash: NameHash.hash(name))
    }

    /// The static master of a resource in a NODIR lockspace: the same formula over the same weights.
    /// - Parameter name: the resource name.
    /// - Returns: the node that masters it.
    public func staticMaster(for name: ResourceName) -> NodeID {
        directoryNode(for: name)
    }

    /// Whether `node` is a member of this map (weight 0 included).
    public func contains(_ node: NodeID) -> Bool {
        effectiveWeights[node] != nil
    }
}
