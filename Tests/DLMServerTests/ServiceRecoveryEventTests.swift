// Tests the routing of lockspace recovery notifications to clients in LockspaceService, with the
// deterministic in-memory three-node harness of ServiceMembershipTests (fencing disabled): a handle
// on node 1 that sent RECOVERY_EVENTS receives, when node 3 crashes, exactly prep, slot(3, slot 3)
// and done (new generation, our slot 1, members 1 and 2 with their slots) as RECOVERY_EVENT frames,
// in that order, even though the view change may take several proposals; a bound handle that did
// not subscribe (or switched it off again) receives none; RECOVERY_EVENTS on an unbound connection
// is EINVAL. A done listing more members than one frame holds is cut to the lowest node ids.

import DLMClientProtocol
import DLMCore
import DLMNode
@testable import DLMServer
import Testing

@Suite("lockspace service routes recovery events to subscribed handles")
struct ServiceRecoveryEventTests {
    static let subscribed = DaemonMessage.result(RequestResult(errno: 0, lockID: 0, outcome: .noCompletion))

    /// The RECOVERY_EVENT notices `session` on `node` received, in order.
    static func notices(_ cluster: ServiceMembershipTests.Cluster, node: NodeID, session: UInt64) -> [RecoveryNotice] {
        (cluster.sessionFrames[node] ?? []).compactMap { entry in
            guard entry.session == session, case .recoveryEvent(let notice) = entry.message else { return nil }
            return notice
        }
    }

    @Test("a crash of node 3 reaches a subscribed handle on node 1 as prep, slot, done")
    func crashReachesSubscriber() {
        var cluster = ServiceMembershipTests.Cluster(enableFencing: false)
        cluster.run(milliseconds: 1000)
        #expect(cluster.call(1, .recoveryEvents(enable: true)) == .result(.failure(.EINVAL)), "unbound connection")
        cluster.services[1]!.connect(session: 3, credentials: PeerCredentials(pid: 300, uid: 0, gid: 0))
        let create = ClientRequest.createLockspace(CreateLockspace(name: "default"))
        for node: NodeID in [1, 2, 3] { #expect(cluster.call(node, create) == .result(RequestResult())) }
        #expect(cluster.call(1, create, session: 3) == .result(RequestResult()))
        #expect(cluster.call(1, .recoveryEvents(enable: true)) == Self.subscribed)
        #expect(cluster.call(1, .recoveryEvents(enable: true), session: 3) == Self.subscribed)
        #expect(cluster.call(1, .recoveryEvents(enable: false), session: 3) == Self.subscribed)
        let before = cluster.services[1]!.node.generation
        #expect(before > 0)
        #expect(Self.notices(cluster, node: 1, session: 1).isEmpty, "nothing happened yet")

        cluster.alive.remove(3)
        cluster.run(milliseconds: 2000)
        let after = cluster.services[1]!.node.generation
        #expect(after > before)
        let members = [RecoveryMemberSlot(node: 1, slot: 1), RecoveryMemberSlot(node: 2, slot: 2)]
        #expect(Self.notices(cluster, node: 1, session: 1) == [
            .prep, .slot(node: 3, slot: 3), .done(generation: after, ourSlot: 1, members: members),
        ])
        #expect(Self.notices(cluster, node: 1, session: 3).isEmpty, "switched off again")
        #expect(Self.notices(cluster, node: 2, session: 1).isEmpty, "node 2's handle did not subscribe")
    }

    @Test("several subscribed handles each get the events; a lockspace without subscribers gets none")
    func everySubscribedHandle() {
        var cluster = ServiceMembershipTests.Cluster(enableFencing: false)
        cluster.run(milliseconds: 1000)
        cluster.services[2]!.connect(session: 3, credentials: PeerCredentials(pid: 300, uid: 0, gid: 0))
        let create = ClientRequest.createLockspace(CreateLockspace(name: "default"))
        let other = ClientRequest.createLockspace(CreateLockspace(name: "other"))
        for node: NodeID in [1, 2, 3] { #expect(cluster.call(node, create) == .result(RequestResult())) }
        #expect(cluster.call(2, other, session: 3) == .result(RequestResult()))
        #expect(cluster.call(2, .recoveryEvents(enable: true)) == Self.subscribed)
        #expect(cluster.call(2, .recoveryEvents(enable: true), session: 3) == Self.subscribed)
        cluster.alive.remove(3)
        cluster.run(milliseconds: 2000)
        let generation = cluster.services[2]!.node.generation
        let expected: [RecoveryNotice] = [
            .prep, .slot(node: 3, slot: 3),
            .done(generation: generation, ourSlot: 2, members: [RecoveryMemberSlot(node: 1, slot: 1), RecoveryMemberSlot(node: 2, slot: 2)]),
        ]
        #expect(Self.notices(cluster, node: 2, session: 1) == expected)
        #expect(Self.notices(cluster, node: 2, session: 3) == expected, "the other lockspace recovers too")
        #expect(Self.notices(cluster, node: 1, session: 1).isEmpty)
    }

    @Test("a done with more members than a frame holds lists the lowest node ids, sorted")
    func longMemberListIsCut() {
        let count = RecoveryNotice.membersMax + 23
        let members = (1...UInt32(count)).reversed().map { MemberSlot(node: $0, slot: UInt16($0)) }
        let (lockspace, notice) = LockspaceService.notice(.done(lockspace: 42, members: members, ourSlot: 5, generation: 9))
        let expected = (1...UInt32(RecoveryNotice.membersMax)).map { RecoveryMemberSlot(node: $0, slot: UInt16($0)) }
        #expect(lockspace == 42)
        #expect(notice == .done(generation: 9, ourSlot: 5, members: expected))
        #expect(ReplyFrame(requestID: 0, message: .recoveryEvent(notice)).bytes.count <= Limits.clientFrameBytesMax)
    }
}
