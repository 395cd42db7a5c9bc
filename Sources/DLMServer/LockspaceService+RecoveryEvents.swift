// dlmd — DLMServer: lockspace recovery notifications for clients: the RECOVERY_EVENTS opt-in per
// session, and the node's RecoveryEvent values routed as RECOVERY_EVENT frames to the subscribed
// handles of their lockspace (docs/client-protocol.md, "Recovery events"; docs/recovery.md, "Events").

import DLMClientProtocol
import DLMCore
import DLMNode

extension LockspaceService {
    /// `RECOVERY_EVENTS enable`: from now on (with `enable`) the bound lockspace's recovery
    /// notifications go to this session. EINVAL on an unbound connection.
    mutating func subscribeRecoveryEvents(session: UInt64, requestID: UInt32, enable: Bool, output: inout [ServiceOutput]) {
        guard sessions[session]?.lockspace != nil else {
            return reply(session, requestID, .failure(.EINVAL), &output)
        }
        sessions[session]?.wantsRecoveryEvents = enable
        reply(session, requestID, RequestResult(errno: 0, lockID: 0, outcome: .noCompletion), &output)
    }

    /// Sends every recovery notification the node produced since the last call (and those held by a
    /// join meanwhile) to each subscribed handle of its lockspace, in order, after the outputs
    /// already appended for the same step.
    mutating func routeRecoveryEvents(_ output: inout [ServiceOutput]) {
        let taken = node.takeRecoveryEvents()
        guard !taken.isEmpty || !heldRecoveryEvents.isEmpty else { return }
        let events = heldRecoveryEvents + taken
        heldRecoveryEvents = []
        for event in events {
            let (id, notice) = Self.notice(event)
            guard let name = knownNames[id], let handles = lockspaces[name]?.handles, !handles.isEmpty else { continue }
            for handle in handles.sorted() where sessions[handle]?.wantsRecoveryEvents == true {
                output.append(.send(session: handle, frame: ReplyFrame(requestID: 0, message: .recoveryEvent(notice))))
            }
        }
    }

    /// The node's event as its lockspace id and the client-protocol notice. A member list longer
    /// than one frame holds is cut to `RecoveryNotice.membersMax` (lowest node ids first).
    static func notice(_ event: RecoveryEvent) -> (lockspace: UInt32, notice: RecoveryNotice) {
        switch event {
        case .prep(let lockspace):
            return (lockspace, .prep)
        case .slot(let lockspace, let node, let slot):
            return (lockspace, .slot(node: node, slot: slot))
        case .done(let lockspace, let members, let ourSlot, let generation):
            let listed = members.sorted { $0.node < $1.node }.prefix(RecoveryNotice.membersMax)
                .map { RecoveryMemberSlot(node: $0.node, slot: $0.slot) }
            return (lockspace, .done(generation: generation, ourSlot: ourSlot, members: listed))
        }
    }
}
