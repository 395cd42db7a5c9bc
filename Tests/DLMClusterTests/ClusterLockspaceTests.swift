// Three real dlmd processes on loopback (ClusterHarness) with no `lockspace` lines: a lockspace a
// client creates on node 1 only is announced, so node 2 (never created there) answers the LOOKUP of
// a name it directs; a wait with LKF_TIMEOUT from node 3 on a resource mastered on node 1 times out
// on node 1's timer; a PERSISTENT lock of a node-3 client that disconnects stays as an orphan on
// node 3 and keeps blocking EX on node 1 until node 1's `dlm_ls_purge` names node 3 (PURGE).
// Each test starts and stops its own three processes by PID, and every wait is bounded.

import DLMClientProtocol
import DLMCore
import DLMDirectory
import Foundation
import Testing

@Suite("lockspaces, timeouts and orphans across three dlmd processes", .serialized, .timeLimit(.minutes(2)))
struct ClusterLockspaceTests {
    @Test("a lockspace created on node 1 only works through node 2's directory; remote timeout; remote orphan and PURGE")
    func announcedLockspace() async throws {
        try await LocalCluster.with { cluster in
            let map = try DirectoryMap(members: [1, 2, 3])
            let names = (0..<400).map { "res\($0)" }.filter { map.directoryNode(for: try! ResourceName($0)) == 2 }
            let (directed, orphaned) = (try #require(names.first), try #require(names.dropFirst().first))
            let first = try cluster.client(1)
            try first.join("fresh")
            let held = try first.lock(.ex, directed)
            #expect(try first.callback() == .completion(CompletionCallback(lockID: held, status: .granted, grantedMode: .ex)))
            let master = try first.query(.lockdebug, "fresh")
            #expect(master.contains("\"\(directed)\"\nMaster node 1 (local)"), "\(master)")

            var third: ClusterClient? = try cluster.client(3)
            try third!.join("fresh")
            let started = ContinuousClock.now
            let timed = try third!.lock(.pr, directed, flags: .timeout, timeoutCentiseconds: 30)
            #expect(try third!.callback() == .completion(CompletionCallback(lockID: timed, status: .timedOut, grantedMode: nil)))
            #expect(ContinuousClock.now - started >= .milliseconds(250), "expired no earlier than its timeout")

            let keeper = try first.lock(.nl, orphaned)
            #expect(try first.callback() == .completion(CompletionCallback(lockID: keeper, status: .granted, grantedMode: .nl)))
            let persistent = try third!.lock(.pr, orphaned, flags: .persistent)
            #expect(try third!.callback() == .completion(CompletionCallback(lockID: persistent, status: .granted, grantedMode: .pr)))
            third = nil  // the connection closes: the PERSISTENT lock becomes an orphan on node 3
            try await Task.sleep(for: .milliseconds(200))
            let probe = try first.lock(.ex, orphaned, flags: .noQueue)
            #expect(try first.callback() == .completion(CompletionCallback(lockID: probe, status: .wouldBlock, grantedMode: nil)))
            let waiter = try first.lock(.ex, orphaned)
            #expect(try first.callbackIfAny(within: 300) == nil, "EX waits behind node 3's orphan")
            #expect(try first.request(.purge(nodeID: 3, pid: 0)) == .result(RequestResult(errno: 0, lockID: 0, outcome: .noCompletion)))
            #expect(try first.callback() == .completion(CompletionCallback(lockID: waiter, status: .granted, grantedMode: .ex)))
        }
    }
}
