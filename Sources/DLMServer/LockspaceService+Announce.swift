// dlmd — DLMServer: lockspaces known across the cluster. A lockspace this node joins for a local
// create is announced to every peer (LOCKSPACE_ANNOUNCE: name, NODIR, LVB length, master weights),
// and every joined lockspace is announced again to a peer whose link comes up. A peer message for
// a lockspace id this node does not know is held and the sender is asked for the name
// (LOCKSPACE_QUERY); the answering ANNOUNCE joins the lockspace and replays what was held.

import DLMCore
import DLMNode
import DLMWire
import Logging

/// A peer message held until its lockspace is known.
struct HeldPeerMessage {
    var sender: NodeID
    var message: WireMessage
    /// The sender's view generation carried by the frame (nil: a frame without one).
    var generation: UInt64?
}

extension LockspaceService {
    /// Joins a lockspace on the node with this node's lock limit and toss time; a lockspace that was
    /// not joined before is queued for announcing when `announce` is set.
    mutating func joinNode(_ settings: LockspaceConfiguration, announce: Bool) throws(DLMErrno) {
        var settings = settings
        settings.lockCountMax = configuration.locksPerLockspaceMax
        if let toss = configuration.tossDuration { settings.tossDuration = toss }
        let isNew = !node.hasJoined(lockspace: settings.globalID)
        knownNames[settings.globalID] = settings.name
        try node.joinLockspace(settings)
        // Before the first view, and while outside a quorate view, a new lockspace waits like the others.
        if isNew, let state = membership {
            // Notifications of this step so far are kept for routing; the stop below only repeats
            // a stop every lockspace already had (and the new one has no subscriber yet).
            heldRecoveryEvents += node.takeRecoveryEvents()
            if state.agent.view.generation == 0 || node.generation == 0 {
                node.stopLockspaces()
            } else if !state.agent.quorate {
                node.quorumLost()
            }
            _ = node.takeRecoveryEvents()
        }
        if isNew && announce && !isSingleNode { announceQueue.append(settings.globalID) }
    }

    /// Sends the queued announces to every peer.
    mutating func announceQueued(_ output: inout [ServiceOutput]) {
        guard !announceQueue.isEmpty else { return }
        for id in announceQueue {
            for peer in configuration.effectiveMembers.sorted() where peer != configuration.nodeID {
                sendAnnounce(id, to: peer, &output)
            }
        }
        announceQueue.removeAll()
    }

    /// A peer's link came up: it learns every lockspace this node has joined (it may have restarted
    /// and forgotten them, or missed the announce at create).
    public mutating func peerLinkUp(_ peer: NodeID, output: inout [ServiceOutput]) {
        guard peer != configuration.nodeID else { return }
        for id in node.joinedLockspaces { sendAnnounce(id, to: peer, &output) }
    }

    private func sendAnnounce(_ id: UInt32, to peer: NodeID, _ output: inout [ServiceOutput]) {
        guard let settings = node.configuration(ofLockspace: id) else { return }
        let weights = settings.masterWeights.sorted { $0.key < $1.key }.prefix(LockspaceAnnounce.weightsMax)
        let announce = LockspaceAnnounce(
            name: settings.name, flags: settings.noDirectory ? LockspaceAnnounce.noDirectoryFlag : 0,
            valueBlockLength: UInt16(settings.valueBlockLength), masterWeights: weights.map { ($0.key, $0.value) })
        output.append(.peer(to: peer, lockspace: id, message: .lockspaceAnnounce(announce)))
    }

    /// LOCKSPACE_ANNOUNCE or LOCKSPACE_QUERY from `sender`.
    mutating func receiveLockspaceMessage(
        _ message: WireMessage, lockspace: UInt32, from sender: NodeID, now: MonotonicInstant,
        output: inout [ServiceOutput]
    ) {
        switch message {
        case .lockspaceQuery:
            if node.hasJoined(lockspace: lockspace) {
                sendAnnounce(lockspace, to: sender, &output)
            } else {
                logger.warning("lockspace query for a lockspace not joined here", metadata: metadata(lockspace, sender))
            }
        case .lockspaceAnnounce(let announce):
            guard Lockspace.globalID(of: announce.name) == lockspace else {
                logger.warning("lockspace announce with a mismatched id dropped", metadata: metadata(lockspace, sender))
                return
            }
            joinAnnounced(announce, from: sender)
            replayHeld(lockspace, now: now, output: &output)
        default:
            break
        }
    }

    /// Joins an announced lockspace with the announced settings; one already joined keeps its own
    /// (a mismatch is logged: the first settings a node saw win on that node).
    private mutating func joinAnnounced(_ announce: LockspaceAnnounce, from sender: NodeID) {
        var weights: [NodeID: UInt32] = [:]
        for entry in announce.masterWeights { weights[entry.node] = entry.weight }
        let settings = LockspaceConfiguration(
            name: announce.name, noDirectory: announce.noDirectory, masterWeights: weights,
            valueBlockLength: Int(announce.valueBlockLength))
        if let current = node.configuration(ofLockspace: settings.globalID) {
            if current.noDirectory != settings.noDirectory || current.valueBlockLength != settings.valueBlockLength
                || current.masterWeights != settings.masterWeights
            {
                logger.warning(
                    "lockspace settings differ from a peer's announce",
                    metadata: ["dlm.lockspace": "\(announce.name)", "dlm.node": "\(sender)"])
            }
            return
        }
        do {
            try joinNode(settings, announce: false)
            logger.info("lockspace joined for a peer's announce", metadata: ["dlm.lockspace": "\(announce.name)", "dlm.node": "\(sender)"])
        } catch {
            logger.error("lockspace join failed", metadata: ["dlm.lockspace": "\(announce.name)", "dlm.errno": "\(error)"])
        }
    }

    /// Holds a message for an unknown lockspace id; the first one from a sender asks it for the name.
    mutating func holdForUnknownLockspace(
        _ message: WireMessage, lockspace: UInt32, from sender: NodeID, generation: UInt64?, output: inout [ServiceOutput]
    ) {
        guard heldUnknownCount < Limits.unknownLockspaceMessagesMax else {
            logger.warning("peer message for an unknown lockspace dropped", metadata: metadata(lockspace, sender))
            return
        }
        let held = heldUnknown[lockspace, default: []]
        if !held.contains(where: { $0.sender == sender }) {
            output.append(.peer(to: sender, lockspace: lockspace, message: .lockspaceQuery))
            logger.info("peer message for an unknown lockspace held", metadata: metadata(lockspace, sender))
        }
        heldUnknown[lockspace, default: []].append(HeldPeerMessage(sender: sender, message: message, generation: generation))
        heldUnknownCount += 1
    }

    /// Feeds the messages held for `lockspace` to the node, in arrival order, once it is joined.
    private mutating func replayHeld(_ lockspace: UInt32, now: MonotonicInstant, output: inout [ServiceOutput]) {
        guard node.hasJoined(lockspace: lockspace), let held = heldUnknown.removeValue(forKey: lockspace) else { return }
        heldUnknownCount -= held.count
        for entry in held {
            receivePeerMessage(entry.message, lockspace: lockspace, from: entry.sender, generation: entry.generation, now: now, output: &output)
        }
    }

    private func metadata(_ lockspace: UInt32, _ sender: NodeID) -> Logger.Metadata {
        ["dlm.node": "\(sender)", "dlm.lockspace.id": "\(Self.hex(lockspace, width: 8))"]
    }
}
