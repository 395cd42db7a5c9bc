// Tests PERSISTENT locks whose master is another node, with two LockspaceServices driven in-process
// (deterministic; the `Net` driver of ServiceLockspaceAnnounceTests): a disconnect leaves the lock
// as an orphan on its holder node that still blocks the master's other users; a new session on
// that node adopts it with LKF_ORPHAN (no completion follows; wrong mode EAGAIN, unknown name
// ENOENT); `dlm_ls_purge` on node 1 naming node 2 sends PURGE and releases node 2's orphans.

import DLMClientProtocol
import DLMCore
import DLMNode
import DLMServer
import DLMWire
import Testing

@Suite("remote PERSISTENT locks: holder-side orphans, adoption, PURGE")
struct ServiceRemoteOrphanTests {
    typealias Net = ServiceLockspaceAnnounceTests.Net
    static func lock(_ mode: LockMode, _ name: String, _ flags: LockFlags, _ timeout: UInt32) -> ClientRequest {
        ServiceLockspaceAnnounceTests.lock(mode, name, flags: flags, timeout: timeout)
    }
    static let id = ServiceLockspaceAnnounceTests.id

    /// Node 1 masters "o" (holding NL); node 2's session 1 takes PR PERSISTENT on it and disconnects.
    func orphanOnNode2() -> Net? {
        var net = Net()
        #expect(net.call(1, .createLockspace(CreateLockspace(name: "fresh"))) == .result(RequestResult()))
        #expect(net.call(2, .createLockspace(CreateLockspace(name: "fresh"))) == .result(RequestResult()))
        guard case .result(let keeper) = net.call(1, Self.lock(.nl, "o", [], 0)), keeper.errno == 0 else { return nil }
        #expect(net.takeCallbacks(1) == [.completion(CompletionCallback(lockID: keeper.lockID, status: .granted, grantedMode: .nl))])
        guard case .result(let persistent) = net.call(2, Self.lock(.pr, "o", .persistent, 0)), persistent.errno == 0 else {
            return nil
        }
        #expect(net.takeCallbacks(2) == [.completion(CompletionCallback(lockID: persistent.lockID, status: .granted, grantedMode: .pr))])
        var output: [ServiceOutput] = []
        net.services[2]!.disconnect(session: 1, now: net.now, output: &output)
        net.route(output, from: 2)
        #expect(!net.peerTypes.contains(.unlock), "no force-unlock is sent for a PERSISTENT lock")
        #expect(net.services[2]!.node.clientLockCount(lockspace: Self.id) == 1, "the orphan stays on node 2")
        return net
    }

    @Test("a disconnected remote PERSISTENT lock stays as an orphan that blocks, and is adopted on its node")
    func orphanAndAdopt() throws {
        guard var net = orphanOnNode2() else { Issue.record("setup"); return }
        guard case .result(let probe) = net.call(1, Self.lock(.ex, "o", .noQueue, 0)) else { Issue.record("probe"); return }
        #expect(probe.errno == 0)
        let callbacks = net.takeCallbacks(1)
        #expect(callbacks.contains(.completion(CompletionCallback(lockID: probe.lockID, status: .wouldBlock, grantedMode: nil))))
        net.services[2]!.connect(session: 2, credentials: PeerCredentials(pid: 202, uid: 0, gid: 0))
        #expect(net.call(2, .createLockspace(CreateLockspace(name: "fresh")), session: 2) == .result(RequestResult()))
        #expect(net.call(2, Self.lock(.ex, "o", .orphan, 0), session: 2) == .result(.failure(.EAGAIN)))
        #expect(net.call(2, Self.lock(.pr, "nothing", .orphan, 0), session: 2) == .result(.failure(.ENOENT)))
        guard case .result(let adopted) = net.call(2, Self.lock(.pr, "o", .orphan, 0), session: 2) else {
            Issue.record("adopt")
            return
        }
        #expect(adopted.errno == 0 && adopted.outcome == .noCompletion && adopted.lockID != 0)
        #expect(net.call(2, .unlock(UnlockCall(lockID: adopted.lockID)), session: 2) == .result(RequestResult()))
        #expect(net.takeCallbacks(2) == [.completion(CompletionCallback(lockID: adopted.lockID, status: .unlocked, grantedMode: nil))])
        #expect(net.services[2]!.node.clientLockCount(lockspace: Self.id) == 0)
    }

    @Test("dlm_ls_purge on node 1 naming node 2 releases node 2's orphans through PURGE")
    func purgeAnotherNode() throws {
        guard var net = orphanOnNode2() else { Issue.record("setup"); return }
        guard case .result(let waiter) = net.call(1, Self.lock(.ex, "o", [], 0)) else { Issue.record("wait"); return }
        #expect(net.takeCallbacks(1).isEmpty, "EX waits behind the orphan")
        #expect(net.call(1, .purge(nodeID: 2, pid: 102)) == .result(RequestResult(errno: 0, lockID: 0, outcome: .noCompletion)))
        #expect(net.peerTypes.contains(.purge))
        #expect(net.takeCallbacks(1) == [.completion(CompletionCallback(lockID: waiter.lockID, status: .granted, grantedMode: .ex))])
        #expect(net.services[2]!.node.clientLockCount(lockspace: Self.id) == 0)
        #expect(net.call(1, .purge(nodeID: 9, pid: 0)) == .result(.failure(.EINVAL)), "not a member")
    }
}
