// dlmd — DLMServer: dynamic membership in the lockspace service: the agent's ticks and messages in,
// its outputs to the node (stop, quorum loss, recovery) and to peers out, the fencing gate (fence
// agent runs, VIEW_FENCED notices, the operator's fence_ack), and recovery timing.

import DLMCore
import DLMMembership
import DLMNode
import DLMRecovery
import DLMWire

extension LockspaceService {
    /// The DONE bit of a recovery STATUS (spec §10.2), as DLMNode sends it.
    static let recoveryDoneBit: Int32 = 0x40

    /// Whether dynamic membership runs (a cluster node with `MembershipSettings`).
    public var hasMembership: Bool { membership != nil }

    /// The agent's periodic work: heartbeats, failure detection, proposals, commits, fencing.
    public mutating func membershipTick(now: MonotonicInstant, output: inout [ServiceOutput]) {
        guard var state = membership, !state.removed else { return }
        var out: [MembershipOutput] = []
        state.agent.tick(now: now, &out)
        membership = state
        applyMembership(out, now: now, output: &output)
        driveFencing(now: now, output: &output)
        noteRecoveryProgress(now: now)
    }

    /// A membership frame from `sender` (VIEW_HEARTBEAT, VIEW_STOP, …, VIEW_FENCED).
    public mutating func receiveMembership(_ message: WireMessage, from sender: NodeID, now: MonotonicInstant, output: inout [ServiceOutput]) {
        guard membership?.removed == false else { return }
        if case .viewFenced(let victim) = message {
            let member = MembershipState.member(victim)
            if membership?.agent.fenced.contains(member) == false {
                logger.notice("fencing confirmed by a peer", metadata: ["dlm.victim": "\(member)", "dlm.node": "\(sender)"])
            }
            membership?.agent.fenceConfirmed(member)
        } else if case .viewStop(let proposal) = message, let state = membership,
            let member = state.refusal(of: proposal, now: now)
        {
            // A view must be a clique of nodes that hear each other, and must not drop a member that
            // is still heard (MembershipState.refusal). Refuse; the coordinator proposes again later.
            logger.info("view proposal refused", metadata: ["dlm.node": "\(sender)", "dlm.member": "\(member)"])
            output.append(.membership(to: sender, message: .viewNack(highest: max(state.agent.highestAccepted, proposal.generation))))
        } else if case .viewHeartbeat(let incarnation, let generation) = message,
            handleExclusion(of: Member(node: sender, incarnation: incarnation), announcing: generation)
        {
            return
        } else if let agentMessage = MembershipState.agentMessage(message) {
            var out: [MembershipOutput] = []
            membership?.agent.receive(agentMessage, from: sender, now: now, &out)
            applyMembership(out, now: now, output: &output)
        }
        noteRecoveryProgress(now: now)
    }

    /// Heartbeats that must not reach the agent. From a fenced incarnation: it was declared dead and
    /// may only come back as a new incarnation (restarted), never be re-added with its old locks.
    /// Announcing a view this node never accepted, while it has one: the others moved on without it
    /// (it was excluded, e.g. partitioned or paused), so its locks may already be granted elsewhere —
    /// it stops granting for good (ENOTCONN) until dlmd is restarted.
    /// - Returns: true when the heartbeat was consumed here.
    private mutating func handleExclusion(of sender: Member, announcing generation: UInt64) -> Bool {
        guard let state = membership else { return false }
        if state.agent.fenced.contains(sender) { return true }
        guard state.agent.view.generation > 0, generation != MembershipAgent.stalledGeneration,
            generation > state.agent.highestAccepted else { return false }
        if !state.removed {
            logger.critical(
                "this node was removed from the cluster view; restart dlmd to rejoin",
                metadata: ["dlm.generation": "\(state.agent.view.generation)", "dlm.node": "\(sender.node)", "dlm.announced": "\(generation)"])
            membership?.removed = true
        }
        node.quorumLost()
        return true
    }

    /// The transport reports `peer`'s link down (heartbeat timeout or unreachable): suspect it now.
    public mutating func membershipLinkDown(_ peer: NodeID) {
        membership?.agent.linkDown(peer)
    }

    /// A fence agent run for `victim` ended; success confirms the fencing here and on every peer.
    public mutating func fenceAgentFinished(node: NodeID, incarnation: UInt32, success: Bool, now: MonotonicInstant, output: inout [ServiceOutput]) {
        let victim = Member(node: node, incarnation: incarnation)
        guard var state = membership, state.fencing.remove(victim) != nil else { return }
        if success {
            membership = state
            confirmFenced(victim, now: now, output: &output)
        } else {
            state.fenceRetryAt[victim] = now.advanced(by: state.settings.fenceRetryDelay)
            membership = state
            logger.error("fence agent failed; will retry", metadata: ["dlm.victim": "\(victim)"])
        }
    }

    /// `dlm_tool fence_ack NODEID`: the operator confirms every departed incarnation of `node` is dead.
    /// - Throws: `ENOENT` when no departed incarnation of `node` waits for fencing, `EINVAL` without membership.
    mutating func fenceAck(node: NodeID, now: MonotonicInstant, output: inout [ServiceOutput]) throws(DLMErrno) {
        guard let state = membership else { throw .EINVAL }
        let victims = state.unfenced(now: now).filter { $0.node == node }
        guard !victims.isEmpty else { throw .ENOENT }
        for victim in victims {
            logger.notice("fence_ack from the operator", metadata: ["dlm.victim": "\(victim)"])
            confirmFenced(victim, now: now, output: &output)
        }
    }

    private mutating func confirmFenced(_ victim: Member, now: MonotonicInstant, output: inout [ServiceOutput]) {
        guard var state = membership else { return }
        state.agent.fenceConfirmed(victim)
        state.fenceRetryAt[victim] = nil
        state.awaitingAck.remove(victim)
        membership = state
        logger.notice("node fenced", metadata: ["dlm.victim": "\(victim)"])
        for peer in state.agent.live(now: now) where peer != state.agent.me {
            output.append(.membership(to: peer.node, message: .viewFenced(MembershipState.wire(victim))))
        }
        membershipTick(now: now, output: &output)
    }

    /// The fencing gate: each departed, unfenced member of the view is counted as fenced at once
    /// (fencing disabled), fenced by this node's agent run (the lowest live member runs it), or
    /// waits for `fence_ack`. Only a quorate node fences.
    private mutating func driveFencing(now: MonotonicInstant, output: inout [ServiceOutput]) {
        guard var state = membership, state.agent.quorate else { return }
        for victim in state.unfenced(now: now) where !state.fencing.contains(victim) {
            if !state.settings.enableFencing {
                state.agent.fenceConfirmed(victim)
                logger.warning("fencing disabled: departed node counted as fenced", metadata: ["dlm.victim": "\(victim)"])
            } else if state.settings.fencedByAgent.contains(victim.node) {
                guard state.runsFenceAgents(now: now), state.fenceRetryAt[victim].map({ now >= $0 }) ?? true else { continue }
                state.fencing.insert(victim)
                logger.notice("fencing node", metadata: ["dlm.victim": "\(victim)"])
                output.append(.fence(node: victim.node, incarnation: victim.incarnation))
            } else if state.awaitingAck.insert(victim).inserted {
                logger.warning("node waits for fence_ack", metadata: ["dlm.victim": "\(victim)"])
            }
        }
        membership = state
        if !state.settings.enableFencing { membershipTickAgentOnly(now: now, output: &output) }
    }

    /// Lets the agent commit right after fencing was counted, without waiting for the next tick.
    private mutating func membershipTickAgentOnly(now: MonotonicInstant, output: inout [ServiceOutput]) {
        guard var state = membership else { return }
        var out: [MembershipOutput] = []
        state.agent.tick(now: now, &out)
        membership = state
        applyMembership(out, now: now, output: &output)
    }

    /// Carries out the agent's outputs.
    private mutating func applyMembership(_ outputs: [MembershipOutput], now: MonotonicInstant, output: inout [ServiceOutput]) {
        for item in outputs {
            switch item {
            case .send(let to, let message):
                output.append(.membership(to: to, message: MembershipState.wire(message)))
            case .stop(let generation):
                // One notice per view change; later proposals of the same change (retries after a
                // NACK or a timeout) are debug lines.
                if membership?.stoppedAt == nil {
                    membership?.stoppedAt = now
                    logger.notice("view change: lockspaces stopped", metadata: ["dlm.proposal": "\(generation)"])
                } else {
                    logger.debug("view change: new proposal", metadata: ["dlm.proposal": "\(generation)"])
                }
                node.stopLockspaces()
            case .quorumLost:
                logger.error("quorum lost: lockspaces refuse requests", metadata: ["dlm.generation": "\(node.generation)"])
                node.quorumLost()
            case .start(let view, let departed):
                startView(view, departed: departed, now: now, output: &output)
            }
        }
        routeRecoveryEvents(&output)
    }

    private mutating func startView(_ view: MembershipView, departed: [Member], now: MonotonicInstant, output: inout [ServiceOutput]) {
        logger.notice(
            "view committed: recovery starts",
            metadata: [
                "dlm.generation": "\(view.generation)", "dlm.members": "\(view.members.map(\.description).joined(separator: " "))",
                "dlm.departed": "\(departed.map(\.description).joined(separator: " "))",
            ])
        if membership?.stoppedAt == nil { membership?.stoppedAt = now }
        // Every lockspace a peer may use must take part in the DONE barrier: join the known ones first.
        for name in knownNames.values.sorted() where !node.hasJoined(lockspace: Lockspace.globalID(of: name)) {
            try? joinNode(name, valueBlockLength: Limits.valueBlockBytesDefault)
        }
        for member in view.members where member.node != configuration.nodeID {
            output.append(.expectIncarnation(node: member.node, incarnation: member.incarnation))
        }
        directives.removeAll(keepingCapacity: true)
        node.startRecovery(
            members: view.nodes, generation: view.generation, failed: departed.map(\.node), now: now, directives: &directives)
        performDirectives(&output)
        answerWaitingForeignDone(output: &output)
        membership?.foreignDone.removeAll { $0.generation <= view.generation }
    }

    /// Records a finished recovery once every lockspace runs again.
    mutating func noteRecoveryProgress(now: MonotonicInstant) {
        guard let state = membership, let since = state.stoppedAt, state.agent.view.generation == node.generation,
            node.generation > 0, node.isRunning
        else { return }
        let duration = now.duration(since: since)
        membership?.stoppedAt = nil
        membership?.recoveries += 1
        membership?.finishedRecoveries.append(duration)
        logger.notice(
            "recovery done: locking resumed",
            metadata: ["dlm.generation": "\(node.generation)", "dlm.recovery_ms": "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)"])
    }

    /// The membership facts for `status` and sd_notify; nil with static membership.
    public func membershipSummary(now: MonotonicInstant) -> MembershipSummary? {
        guard let state = membership else { return nil }
        var phases: [String: String] = [:]
        for (id, name) in knownNames {
            guard let phase = phaseText(lockspace: id), phase != "running" else { continue }
            phases[name.value] = phase
        }
        return MembershipSummary(
            generation: state.agent.view.generation, members: state.agent.view.members.map(\.description),
            quorate: state.agent.quorate, awaitingFencing: state.unfenced(now: now).map(\.description),
            lockspacePhases: phases, recoveries: state.recoveries, removed: state.removed)
    }

    /// `running`, `stopped`, `recovering` or `inquorate`; nil when not joined.
    func phaseText(lockspace id: UInt32) -> String? {
        switch node.recoveryState(lockspace: id)?.phase {
        case nil: return nil
        case .running: return "running"
        case .stopped: return "stopped"
        case .rebuilding: return "recovering"
        case .inquorate: return "inquorate"
        }
    }

    /// Recovery durations finished since the last call (for the shell's metrics).
    public mutating func takeFinishedRecoveries() -> [Duration] {
        guard let durations = membership?.finishedRecoveries, !durations.isEmpty else { return [] }
        membership?.finishedRecoveries = []
        return durations
    }

    /// A peer finished recovery for a lockspace this node does not take part in (not joined, or joined
    /// after its own recovery started): answer its DONE with ours, since this node holds nothing there.
    /// A DONE of a generation this node has not committed yet is answered at that commit.
    /// - Returns: true when the message was taken care of here.
    mutating func answerForeignDone(
        _ message: WireMessage, lockspace: UInt32, from sender: NodeID, generation: UInt64, output: inout [ServiceOutput]
    ) -> Bool {
        guard membership != nil, case .status(let header, _) = message, header.result & Self.recoveryDoneBit != 0,
            header.sequence == generation, generation >= node.generation
        else { return false }
        if let state = node.recoveryState(lockspace: lockspace) {
            guard state.phase == .running, state.generation == generation, generation == node.generation else { return false }
        } else if knownNames[lockspace] != nil && generation > node.generation {
            return false  // joined at the commit, where the node itself answers
        }
        guard generation == node.generation else {
            membership?.foreignDone.append(ForeignDone(sender: sender, lockspace: lockspace, generation: generation))
            return true
        }
        let done = WireMessage.status(RecoveryHeader(result: Self.recoveryDoneBit, sequence: generation), needSlots: false)
        output.append(.peer(to: sender, lockspace: lockspace, message: done))
        return true
    }

    /// DONE reports of lockspaces this node does not have that waited for this commit.
    func answerWaitingForeignDone(output: inout [ServiceOutput]) {
        guard let waiting = membership?.foreignDone else { return }
        for entry in waiting where entry.generation == node.generation && !node.hasJoined(lockspace: entry.lockspace) {
            let done = WireMessage.status(RecoveryHeader(result: Self.recoveryDoneBit, sequence: entry.generation), needSlots: false)
            output.append(.peer(to: entry.sender, lockspace: entry.lockspace, message: done))
        }
    }
}
