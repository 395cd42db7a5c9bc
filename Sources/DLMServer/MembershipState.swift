// dlmd — DLMServer: what the lockspace service keeps for dynamic membership: the agent, fencing in
// progress, and the timing of the current view change (for logs, status and metrics).

import DLMCore
import DLMMembership
import DLMWire

/// A peer's recovery DONE for a lockspace this node does not have, answered at the commit.
struct ForeignDone: Equatable {
    var sender: NodeID
    var lockspace: UInt32
    var generation: UInt64
}

/// One node's membership bookkeeping beside its `MembershipAgent`. Pure: every input carries `now`.
struct MembershipState {
    let settings: MembershipSettings
    var agent: MembershipAgent
    /// Fence agent runs in progress, by victim.
    var fencing: Set<Member> = []
    /// Victims whose fence agent failed, with when it may be retried.
    var fenceRetryAt: [Member: MonotonicInstant] = [:]
    /// Victims already logged as waiting for `fence_ack`.
    var awaitingAck: Set<Member> = []
    /// When the current view change stopped the lockspaces (nil while running).
    var stoppedAt: MonotonicInstant?
    /// Recovery durations (stop → every lockspace running) not yet taken by the shell for metrics.
    var finishedRecoveries: [Duration] = []
    /// Recoveries finished since start.
    var recoveries = 0
    /// DONE reports for lockspaces this node does not have, of a generation not committed here yet.
    var foreignDone: [ForeignDone] = []

    init(me: NodeID, configured: Set<NodeID>, settings: MembershipSettings) {
        self.settings = settings
        let rule = QuorumRule(configured: configured.union([me]), twoNode: settings.twoNode)
        agent = MembershipAgent(
            me: Member(node: me, incarnation: settings.incarnation), rule: rule,
            heartbeatInterval: settings.heartbeatInterval, failureTimeout: settings.failureTimeout)
    }

    /// Members of the committed view that are gone (not live, or live as a new incarnation) and not
    /// confirmed fenced yet: a view without them waits for their fencing.
    func unfenced(now: MonotonicInstant) -> [Member] {
        let live = Set(agent.live(now: now))
        return agent.view.members.filter { $0 != agent.me && !live.contains($0) && !agent.fenced.contains($0) }
    }

    /// A member of `proposal` (other than this node and the proposer) this node has not heard
    /// within the failure timeout; nil when it hears them all (or is not proposed, which the agent
    /// refuses itself).
    func unheardMember(of proposal: ViewPayload, from sender: NodeID, now: MonotonicInstant) -> Member? {
        let members = proposal.members.map(Self.member)
        guard members.contains(agent.me), proposal.generation > agent.highestAccepted else { return nil }
        let live = Set(agent.live(now: now))
        return members.first { $0.node != agent.me.node && $0.node != sender && !live.contains($0) }
    }

    /// The node that runs fence agents: the lowest live member of the committed view.
    func runsFenceAgents(now: MonotonicInstant) -> Bool {
        agent.live(now: now).first { agent.view.members.contains($0) || $0 == agent.me } == agent.me
    }

    // MARK: - Wire conversion

    static func wire(_ message: MembershipMessage) -> WireMessage {
        switch message {
        case .heartbeat(let incarnation, let generation): return .viewHeartbeat(incarnation: incarnation, generation: generation)
        case .stop(let generation, let members): return .viewStop(ViewPayload(generation: generation, members: members.map(wire)))
        case .stopAck(let generation): return .viewStopAck(generation: generation)
        case .nack(let highest): return .viewNack(highest: highest)
        case .commit(let view): return .viewCommit(ViewPayload(generation: view.generation, members: view.members.map(wire)))
        }
    }

    static func wire(_ member: Member) -> ViewMember { ViewMember(node: member.node, incarnation: member.incarnation) }
    static func member(_ member: ViewMember) -> Member { Member(node: member.node, incarnation: member.incarnation) }

    /// The agent message a membership frame carries; nil for VIEW_FENCED and non-membership messages.
    static func agentMessage(_ message: WireMessage) -> MembershipMessage? {
        switch message {
        case .viewHeartbeat(let incarnation, let generation): return .heartbeat(incarnation: incarnation, generation: generation)
        case .viewStop(let view): return .stop(generation: view.generation, members: view.members.map(member))
        case .viewStopAck(let generation): return .stopAck(generation: generation)
        case .viewNack(let highest): return .nack(highest: highest)
        case .viewCommit(let view): return .commit(MembershipView(generation: view.generation, members: view.members.map(member)))
        default: return nil
        }
    }
}
