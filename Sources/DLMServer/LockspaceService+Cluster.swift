// dlmd — DLMServer: the lockspace service's cluster side: joining the node's lockspaces, peer
// messages in (with implicit lockspace join), peer link states.

import DLMCore
import DLMNode
import DLMWire

extension LockspaceService {
    /// Joins `name` on the node (no-op when already joined), with the configured node settings when
    /// it is a configured lockspace, else directory mode, equal weights and `valueBlockLength`.
    mutating func joinNode(_ name: LockspaceName, valueBlockLength: Int) throws(DLMErrno) {
        var settings = configuration.knownLockspaces.first { $0.name == name }
            ?? LockspaceConfiguration(name: name, valueBlockLength: valueBlockLength)
        settings.lockCountMax = configuration.locksPerLockspaceMax
        knownNames[settings.globalID] = name
        let joining = !node.hasJoined(lockspace: settings.globalID)
        try node.joinLockspace(settings)
        // Before the first view, and while outside a quorate view, a new lockspace waits like the others.
        if joining, let state = membership {
            if state.agent.view.generation == 0 || node.generation == 0 {
                node.stopLockspaces()
            } else if !state.agent.quorate {
                node.quorumLost()
            }
            _ = node.takeRecoveryEvents()
        }
    }

    /// One lock message from peer `sender`. A message for a lockspace this node has not joined yet
    /// joins it first when its name is known (configured, `default`, or created here before);
    /// otherwise the message is dropped and logged.
    public mutating func receivePeerMessage(
        _ message: WireMessage, lockspace: UInt32, from sender: NodeID, generation: UInt64? = nil, now: MonotonicInstant,
        output: inout [ServiceOutput]
    ) {
        if let generation, answerForeignDone(message, lockspace: lockspace, from: sender, generation: generation, output: &output) {
            return
        }
        if !node.hasJoined(lockspace: lockspace) {
            guard let name = knownNames[lockspace] else {
                logger.warning(
                    "peer message for an unknown lockspace dropped",
                    metadata: ["dlm.node": "\(sender)", "dlm.lockspace.id": "\(Self.hex(lockspace, width: 8))"])
                return
            }
            do {
                try joinNode(name, valueBlockLength: Limits.valueBlockBytesDefault)
                logger.info("lockspace joined for a peer", metadata: ["dlm.lockspace": "\(name)", "dlm.node": "\(sender)"])
            } catch {
                logger.error("lockspace join failed", metadata: ["dlm.lockspace": "\(name)", "dlm.errno": "\(error)"])
                return
            }
        }
        directives.removeAll(keepingCapacity: true)
        if let generation {
            node.onMessage(message, lockspace: lockspace, from: sender, generation: generation, now: now, directives: &directives)
        } else {
            node.onMessage(message, lockspace: lockspace, from: sender, now: now, directives: &directives)
        }
        performDirectives(&output)
        if membership != nil {
            _ = node.takeRecoveryEvents()
            noteRecoveryProgress(now: now)
        }
    }

    /// Records a peer's link state for `status`.
    public mutating func notePeerState(_ peer: NodeID, _ state: String) {
        peerStates[peer] = state
    }

    /// Whether anything would be lost by removing `lockspace` without force: this node's client
    /// locks in it, or orphans mastered here.
    func isBusy(_ lockspace: Lockspace) -> Bool {
        let counts = node.counts(lockspace: lockspace.globalID)
        return counts.clientLocks > 0 || counts.orphans > 0
    }

    /// Sorted member list, `1 2 3`.
    var membersText: String {
        configuration.effectiveMembers.sorted().map { "\($0)" }.joined(separator: " ")
    }
}
