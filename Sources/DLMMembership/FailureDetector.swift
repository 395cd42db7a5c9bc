// dlmd — DLMMembership: the heartbeat failure detector: a peer is alive while it was heard from
// within the timeout and its link is up. Pure: every input carries `now`.

import DLMCore

/// Tracks when each peer was last heard and which incarnation it announced.
public struct FailureDetector: Sendable {
    public let timeout: Duration
    private var lastHeard: [NodeID: MonotonicInstant] = [:]
    private var incarnations: [NodeID: UInt32] = [:]

    public init(timeout: Duration) { self.timeout = timeout }

    /// A heartbeat (or any message) from `peer` arrived.
    public mutating func heard(from peer: NodeID, incarnation: UInt32, now: MonotonicInstant) {
        lastHeard[peer] = now
        incarnations[peer] = incarnation
    }

    /// The transport reports the link to `peer` down: suspect it at once.
    public mutating func linkDown(_ peer: NodeID) { lastHeard[peer] = nil }

    /// Peers heard within the timeout, with the incarnation they announced last.
    public func alive(now: MonotonicInstant) -> [Member] {
        lastHeard.compactMap { peer, at in
            now.duration(since: at) <= timeout ? Member(node: peer, incarnation: incarnations[peer] ?? 0) : nil
        }.sorted()
    }
}
