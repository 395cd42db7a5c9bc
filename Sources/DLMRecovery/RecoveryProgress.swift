// dlmd — DLMRecovery: one lockspace's recovery phase machine and its barrier: which members said
// DONE for this recovery sequence and which lock transfers are still unanswered.

import DLMCore

/// Where a lockspace is in the stop → rebuild → start cycle (spec §10.2).
public enum RecoveryPhase: Sendable, Hashable {
    /// Normal operation.
    case running
    /// A view change is under way: client calls are queued until locking resumes, normal messages held.
    case stopped
    /// The new view is committed: surviving locks are being sent to their new masters.
    case rebuilding
    /// Outside every quorate view: client calls are refused with ENOTCONN, nothing is granted.
    case inquorate
}

/// What to do with a message tagged with the sender's view generation.
public enum MessageDisposition: Sendable, Hashable {
    case process
    /// Keep it until this node reaches the sender's generation or finishes recovery.
    case hold
    /// Sent in an older view: its target state was rebuilt; a stale reply (spec: `rc_seq_reply`).
    case drop
}

/// The barrier of one recovery (sequence = view generation).
public struct RecoveryProgress: Sendable, Hashable {
    public let sequence: UInt64
    /// Members other than this node that must report DONE.
    public let peers: Set<NodeID>
    public private(set) var done: Set<NodeID> = []
    /// Lock transfers (RCOM LOCK) sent and not answered yet, by this node's lock id.
    public private(set) var outstanding: Set<LockID> = []

    public init(sequence: UInt64, peers: Set<NodeID>) {
        self.sequence = sequence
        self.peers = peers
    }

    /// A peer finished sending its locks for `sequence`. Returns false for a stale or unknown report.
    @discardableResult
    public mutating func peerDone(_ peer: NodeID, sequence: UInt64) -> Bool {
        guard sequence == self.sequence, peers.contains(peer) else { return false }
        done.insert(peer)
        return true
    }

    public mutating func transferSent(_ id: LockID) { outstanding.insert(id) }

    /// A transfer reply for `sequence`; false when stale (an older recovery) or not outstanding.
    @discardableResult
    public mutating func transferAnswered(_ id: LockID, sequence: UInt64) -> Bool {
        guard sequence == self.sequence else { return false }
        return outstanding.remove(id) != nil
    }

    /// Every peer said DONE and every transfer was answered: locking may resume.
    public var isComplete: Bool { done == peers && outstanding.isEmpty }

    /// Disposition of a message of generation `generation` for a node at `current` in `phase`.
    /// Recovery traffic of the current generation is processed in every phase.
    public static func disposition(
        generation: UInt64, current: UInt64, phase: RecoveryPhase, isRecoveryTraffic: Bool
    ) -> MessageDisposition {
        if generation < current { return .drop }
        if generation > current { return .hold }
        if isRecoveryTraffic { return phase == .rebuilding ? .process : (phase == .running ? .drop : .hold) }
        return phase == .running ? .process : .hold
    }
}
