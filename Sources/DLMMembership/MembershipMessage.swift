// dlmd — DLMMembership: what membership agents say to each other and to their node.

import DLMCore

/// Agent-to-agent messages of the two-phase view change.
public enum MembershipMessage: Sendable, Hashable {
    /// Liveness, with the sender's incarnation and committed view generation (0: none yet).
    case heartbeat(incarnation: UInt32, generation: UInt64)
    /// Phase 1 (coordinator → members): stop the lockspaces for proposal `generation`.
    case stop(generation: UInt64, members: [Member])
    /// A member stopped for `generation`.
    case stopAck(generation: UInt64)
    /// A member refuses a proposal: it already accepted `highest`.
    case nack(highest: UInt64)
    /// Phase 2 (coordinator → members): the view is agreed; run recovery and start.
    case commit(MembershipView)
}

/// What the agent tells its shell and its node.
public enum MembershipOutput: Sendable, Hashable {
    case send(to: NodeID, MembershipMessage)
    /// Stop the lockspaces (block client calls, hold normal messages): a view change is under way.
    case stop(generation: UInt64)
    /// The view is committed (every departed member was confirmed fenced): run recovery for it.
    case start(MembershipView, departed: [Member])
    /// This node is outside every quorate view: stop granting and refuse requests.
    case quorumLost
}
