// dlmd — DLMServer: the lockspace service's cluster side: joining the node's lockspaces, peer
// messages in (with implicit lockspace join), peer link states.

import DLMCore
import DLMNode
import DLMWire

extension LockspaceService {
    /// Joins `name` on the node (no-op when already joined), with the configured node settings when
    /// it is a configured lockspace, else directory mode, equal weights and `valueBlockLength`.
    mutating func joinNode(
        _ name: LockspaceName, valueBlockLength: Int, noDirectory: Bool = false, announce: Bool = true
    ) throws(DLMErrno) {
        let settings = configuration.knownLockspaces.first { $0.name == name }
            ?? LockspaceConfiguration(name: name, noDirectory: noDirectory, valueBlockLength: valueBlockLength)
        try joinNode(settings, announce: announce)
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
        if message.type.isLockspaceMessage {
            return receiveLockspaceMessage(message, lockspace: lockspace, from: sender, now: now, output: &output)
        }
        if !node.hasJoined(lockspace: lockspace) {
            guard let name = knownNames[lockspace] else {
                return holdForUnknownLockspace(message, lockspace: lockspace, from: sender, generation: generation, output: &output)
            }
            do {
                try joinNode(name, valueBlockLength: Limits.valueBlockBytesDefault, announce: false)
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
            routeRecoveryEvents(&output)
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
