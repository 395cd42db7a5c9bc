// dlmd — DLMMembership: the quorum rule: a strict majority of the configured nodes, with the
// two-node exception.

import DLMCore

/// Decides whether a set of live nodes may form a view.
///
/// * Normal rule: more than half of the configured nodes are live.
/// * Two-node rule (`twoNode`, only for exactly two configured nodes): one live node is quorate.
///   Both halves of a split two-node cluster then believe they are quorate; safety comes from the
///   fencing gate alone: a survivor drops the other's locks only after `fenceConfirmed`, and the
///   fencing device lets only one of the two fence the other (the loser is killed).
public struct QuorumRule: Sendable, Hashable {
    public var configured: Set<NodeID>
    public var twoNode: Bool

    public init(configured: Set<NodeID>, twoNode: Bool = false) {
        self.configured = configured
        self.twoNode = twoNode
    }

    /// Whether `live` (nodes not in `configured` are ignored) is quorate.
    public func isQuorate(_ live: Set<NodeID>) -> Bool {
        let count = live.intersection(configured).count
        if twoNode && configured.count == 2 { return count >= 1 }
        return count * 2 > configured.count
    }
}
