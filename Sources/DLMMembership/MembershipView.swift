// dlmd — DLMMembership: one agreed cluster view: a generation and the member incarnations in it.

import DLMCore

/// One incarnation of a node: a restarted node comes back with a higher `incarnation` and is a new
/// member (nothing of the old incarnation's locks survives except what others hold).
public struct Member: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var node: NodeID
    public var incarnation: UInt32

    public init(node: NodeID, incarnation: UInt32) {
        self.node = node
        self.incarnation = incarnation
    }

    public static func < (a: Member, b: Member) -> Bool { (a.node, a.incarnation) < (b.node, b.incarnation) }

    public var description: String { "\(node)#\(incarnation)" }
}

/// A committed view. Generations only grow; generation 0 is "no view yet".
public struct MembershipView: Sendable, Hashable {
    public var generation: UInt64
    /// Members, sorted by node id.
    public var members: [Member]

    public init(generation: UInt64, members: [Member]) {
        self.generation = generation
        self.members = members.sorted()
    }

    /// The node ids of the members.
    public var nodes: Set<NodeID> { Set(members.map(\.node)) }

    /// Members of `self` that are not in `next` (failed, left, or replaced by a new incarnation).
    public func departed(in next: [Member]) -> [Member] {
        let kept = Set(next)
        return members.filter { !kept.contains($0) }
    }
}
