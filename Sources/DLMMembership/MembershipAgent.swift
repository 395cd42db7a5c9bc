// dlmd — DLMMembership: one node's membership agent: failure detection, quorum, and the
// coordinator-driven two-phase view change with the fencing gate. Pure and deterministic.

import DLMCore

/// The view-change protocol (docs/recovery.md):
///
/// 1. Every `tick` sends heartbeats; the live set is this node plus the peers heard within the timeout.
/// 2. When the live set differs from the committed view, the lowest live member of the committed
///    view — if the live set is quorate — proposes: `stop(g, members)` with `g` above every generation it has seen.
/// 3. A member accepts a proposal above everything it accepted before: it stops its lockspaces and
///    answers `stopAck(g)`; otherwise `nack(highest)`, and the coordinator proposes higher.
/// 4. With every proposed member's ack **and** every departed member confirmed fenced, the
///    coordinator sends `commit(view)`; members with an equal accepted generation start recovery.
/// 5. A proposal that does not finish within `proposalTimeout` is replaced by a higher one (after a
///    failure during the change, a join, or lost messages), so concurrent changes end in one view.
public struct MembershipAgent: Sendable {
    public let me: Member
    public let rule: QuorumRule
    public private(set) var view = MembershipView(generation: 0, members: [])
    public private(set) var detector: FailureDetector
    /// Highest proposal generation accepted (or made) here.
    public private(set) var highestAccepted: UInt64 = 0
    /// Departed incarnations confirmed fenced.
    public private(set) var fenced: Set<Member> = []
    public private(set) var quorate = false

    private struct Proposal: Sendable {
        var generation: UInt64
        var members: [Member]
        var acks: Set<NodeID>
        var since: MonotonicInstant
    }
    private var proposal: Proposal?
    /// A commit received before every member it drops was confirmed fenced.
    private var pendingCommit: MembershipView?
    /// Quorum was lost since the last commit: this node's lockspaces are inquorate until a new view
    /// including it is committed (see `isStalled`).
    private var lostQuorum = false
    /// When this node accepted (or made) a proposal that is not committed yet. A member stopped for
    /// longer than the proposal timeout (its coordinator gave up, e.g. after a partition healed)
    /// is stalled too (see `isStalled`).
    private var stoppedSince: MonotonicInstant?
    /// The view generation each peer announced in its last heartbeat.
    private var announced: [NodeID: UInt64] = [:]
    private var lastHeartbeat: MonotonicInstant?
    public let heartbeatInterval: Duration
    public let proposalTimeout: Duration

    /// - Parameter initialView: the view a statically configured cluster starts in (nil: none yet).
    public init(me: Member, rule: QuorumRule, heartbeatInterval: Duration, failureTimeout: Duration, initialView: MembershipView? = nil) {
        self.me = me
        if let initialView {
            self.view = initialView
            self.highestAccepted = initialView.generation
        }
        self.rule = rule
        self.heartbeatInterval = heartbeatInterval
        self.proposalTimeout = failureTimeout
        self.detector = FailureDetector(timeout: failureTimeout)
    }

    /// The generation a stalled member announces in its heartbeats (it still has its view and may
    /// coordinate; 0 would mean "no view").
    public static let stalledGeneration = UInt64.max

    /// Whether this member waits for a new view to restart its lockspaces: quorum lost, or stopped
    /// by a proposal that did not commit within the proposal timeout. Its heartbeats then announce
    /// `stalledGeneration` so the coordinator proposes a view. Never true without a view.
    public func isStalled(now: MonotonicInstant) -> Bool {
        // A node without a view announces 0 whatever happens: it cannot coordinate.
        guard view.generation > 0 else { return false }
        return lostQuorum || stoppedSince.map { now.duration(since: $0) >= proposalTimeout } ?? false
    }

    /// This node plus the peers the detector believes alive.
    public func live(now: MonotonicInstant) -> [Member] {
        (detector.alive(now: now).filter { $0.node != me.node } + [me]).sorted()
    }

    /// The fencing system confirmed `member` is dead (killed or power-cycled).
    public mutating func fenceConfirmed(_ member: Member) { fenced.insert(member) }

    /// The transport reports the link to `peer` down.
    public mutating func linkDown(_ peer: NodeID) { detector.linkDown(peer) }

    /// Time passed: heartbeats, quorum, proposals and commits.
    public mutating func tick(now: MonotonicInstant, _ out: inout [MembershipOutput]) {
        if lastHeartbeat.map({ now.duration(since: $0) >= heartbeatInterval }) ?? true {
            lastHeartbeat = now
            for peer in rule.configured.sorted() where peer != me.node {
                out.append(.send(to: peer, .heartbeat(incarnation: me.incarnation, generation: isStalled(now: now) ? Self.stalledGeneration : view.generation)))
            }
        }
        let live = live(now: now)
        let liveNodes = Set(live.map(\.node))
        let nowQuorate = rule.isQuorate(liveNodes)
        if quorate && !nowQuorate {
            lostQuorum = true
            out.append(.quorumLost)
        }
        quorate = nowQuorate
        if let pending = pendingCommit { receiveCommit(pending, &out) }
        // The coordinator is the lowest live member of this node's committed view; a new
        // incarnation (no view) never coordinates, it waits to be included.
        // A member that announces no view (it missed the commit) cannot act and is passed over.
        let coordinator = live.first { view.members.contains($0) && ($0 == me || (announced[$0.node] ?? 0) > 0) }
        guard nowQuorate, (view.members.contains(me) && coordinator == me) || isBootstrapCoordinator(live) else {
            proposal = nil
            return
        }
        if var current = proposal, current.members == live {
            if now.duration(since: current.since) < proposalTimeout {
                tryCommit(now: now, &out)
                return
            }
            current.since = now
            proposal = current
        }
        // A stalled live member (quorum lost, or stopped by an abandoned proposal): only a new view
        // restarts it — the coordinator itself included (it lost quorum while the others kept it, e.g.
        // its event loop was too busy to hear heartbeats, and the live set is the view again).
        let stalled = lostQuorum
            || live.contains { $0 != me && view.members.contains($0) && announced[$0.node] == Self.stalledGeneration }
        guard live != view.members || proposal != nil || highestAccepted > view.generation || stalled else { return }
        propose(live, now: now, &out)
    }

    /// Cluster start (the daemon has no configured initial view): when every configured node is
    /// live and none has a committed view yet — this one included, every peer announcing
    /// generation 0 — the lowest node coordinates the first view ("wait for all", as corosync's
    /// votequorum option). A majority alone is not enough: a configured node this one cannot hear
    /// may still hold a view and its clients' locks (restarted nodes while the last member of the
    /// old view is cut off), and a fresh view without it would grant those locks again. A node that
    /// restarts into a running cluster hears a peer with a view and waits to be included instead.
    func isBootstrapCoordinator(_ live: [Member]) -> Bool {
        view.generation == 0 && live.first == me && Set(live.map(\.node)) == rule.configured
            && live.allSatisfy { $0 == me || (announced[$0.node] ?? 0) == 0 }
    }

    private mutating func propose(_ members: [Member], now: MonotonicInstant, _ out: inout [MembershipOutput]) {
        highestAccepted += 1
        proposal = Proposal(generation: highestAccepted, members: members, acks: [me.node], since: now)
        stoppedSince = stoppedSince ?? now
        out.append(.stop(generation: highestAccepted))
        for member in members where member.node != me.node {
            out.append(.send(to: member.node, .stop(generation: highestAccepted, members: members)))
        }
        tryCommit(now: now, &out)
    }

    private mutating func tryCommit(now: MonotonicInstant, _ out: inout [MembershipOutput]) {
        guard let current = proposal, current.acks == Set(current.members.map(\.node)) else { return }
        let departed = view.departed(in: current.members)
        guard departed.allSatisfy({ fenced.contains($0) }) else { return }
        proposal = nil
        let next = MembershipView(generation: current.generation, members: current.members)
        for member in next.members where member.node != me.node {
            out.append(.send(to: member.node, .commit(next)))
            // Until its next heartbeat, assume it adopts the view (a stale "no view" must not re-propose).
            announced[member.node] = next.generation
        }
        commit(next, &out)
    }

    private mutating func commit(_ next: MembershipView, _ out: inout [MembershipOutput]) {
        invariant(next.generation > view.generation, "view generation went back", dump: "\(view.generation) -> \(next.generation)")
        let departed = view.departed(in: next.members)
        view = next
        lostQuorum = false
        stoppedSince = nil
        out.append(.start(next, departed: departed))
    }

    /// A message from a peer agent.
    public mutating func receive(
        _ message: MembershipMessage, from sender: NodeID, now: MonotonicInstant, _ out: inout [MembershipOutput]
    ) {
        switch message {
        case .heartbeat(let incarnation, let generation):
            detector.heard(from: sender, incarnation: incarnation, now: now)
            announced[sender] = generation
            // A member of our view still announcing an older view (or none) missed the commit (a
            // partition dropped it): send it again; a member that moved on ignores it.
            if generation < view.generation, view.members.contains(Member(node: sender, incarnation: incarnation)) {
                out.append(.send(to: sender, .commit(view)))
            }
        case .stop(let generation, let members):
            guard generation > highestAccepted, members.contains(me) else {
                out.append(.send(to: sender, .nack(highest: highestAccepted)))
                return
            }
            highestAccepted = generation
            proposal = nil
            stoppedSince = stoppedSince ?? now
            out.append(.stop(generation: generation))
            out.append(.send(to: sender, .stopAck(generation: generation)))
        case .stopAck(let generation):
            guard var current = proposal, current.generation == generation else { return }
            current.acks.insert(sender)
            proposal = current
            tryCommit(now: now, &out)
        case .nack(let highest):
            highestAccepted = max(highestAccepted, highest)
            proposal = nil
        case .commit(let next):
            receiveCommit(next, &out)
        }
    }

    /// A member applies the fencing gate too, against its own view: a coordinator that never saw
    /// a member's departure must not make it drop that member's locks unfenced.
    private mutating func receiveCommit(_ next: MembershipView, _ out: inout [MembershipOutput]) {
        pendingCommit = nil
        guard next.generation == highestAccepted, next.generation > view.generation, next.members.contains(me) else { return }
        guard view.departed(in: next.members).allSatisfy({ fenced.contains($0) }) else {
            pendingCommit = next
            return
        }
        commit(next, &out)
    }
}
