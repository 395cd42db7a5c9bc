// Membership, fencing and recovery with real processes (ClusterHarness: three dlmd on loopback).
// Node 3 holds thousands of locks, including EX on a hot resource a client on node 1 waits for; node 3
// is killed with SIGKILL; the survivors detect it, fence it (fencing disabled / a fence_all agent
// script the test writes / the operator's fence_ack), recover, and grant the waiter. Survivors' locks
// are checked one by one (a NOQUEUE request from the other survivor must still be refused), node 3's
// are gone, node 3 restarts as a new incarnation and takes locks again. A 2-of-3 loss leaves node 1
// inquorate (new requests fail with ENOTCONN). Detection time (kill → view change seen on node 1) and
// recovery time (kill → waiter granted) are printed. Every wait is bounded; only the test's PIDs are killed.

import DLMClientProtocol
import DLMCore
import Foundation
import Glibc
import Testing

@Suite("membership and recovery of three dlmd processes", .serialized, .timeLimit(.minutes(3)))
struct ClusterRecoveryTests {
    static let fastMembership = ["lockspace default", "heartbeat_interval=100", "failure_timeout=1000"]

    @Test("kill -9 of a node holding thousands of locks, fencing disabled: waiter granted, node rejoins")
    func crashWithoutFencing() async throws {
        try await LocalCluster.with(extraLines: Self.fastMembership + ["enable_fencing=0"]) { cluster in
            try await Self.crashAndRecover(cluster, heldOnNode3: 3000, label: "enable_fencing=0")
        }
    }

    @Test("kill -9 with a fence_all agent: the agent gets nodeid=3, then the survivors recover")
    func crashWithFenceAgent() async throws {
        let record = "/tmp/dlmd-fence-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt"
        let script = record + ".sh"
        try "#!/bin/sh\ncat >> \(record)\nexit 0\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        defer {
            try? FileManager.default.removeItem(atPath: script)
            try? FileManager.default.removeItem(atPath: record)
        }
        try await LocalCluster.with(extraLines: Self.fastMembership + ["fence_all \(script) action=off"]) { cluster in
            try await Self.crashAndRecover(cluster, heldOnNode3: 2000, label: "fence_all agent")
            let input = fileText(record)
            #expect(input.contains("nodeid=3"), "fence agent input: \(input)")
        }
    }

    @Test("fencing without an agent waits for the operator's fence_ack, then recovers")
    func fenceAckReleasesRecovery() async throws {
        try await LocalCluster.with(extraLines: Self.fastMembership) { cluster in
            let first = try cluster.client(1)
            let third = try cluster.client(3)
            try first.join("default")
            try third.join("default")
            let hot = try third.lock(.ex, "hot")
            #expect(try third.callback() == .completion(CompletionCallback(lockID: hot, status: .granted, grantedMode: .ex)))
            let waiter = try first.lock(.ex, "hot")
            try await cluster.crash(3)
            let waiting = try await LocalCluster.waitFor { cluster.statusValue(1, "fencing_wait")?.hasPrefix("3#") == true }
            #expect(waiting, "node 1 should show node 3 waiting for fencing: \(cluster.status(1) ?? "")")
            #expect(try first.callbackIfAny(within: 1500) == nil, "nothing is granted before node 3 is fenced")
            let admin = try cluster.client(1)
            #expect(try admin.request(.fenceAck(nodeID: 3)) == .result(RequestResult()))
            #expect(try first.callback() == .completion(CompletionCallback(lockID: waiter, status: .granted, grantedMode: .ex)))
            #expect(cluster.statusValue(1, "fencing_wait") == "none")
        }
    }

    @Test("losing 2 of 3 nodes leaves the survivor inquorate: new requests fail with ENOTCONN")
    func twoOfThreeLost() async throws {
        try await LocalCluster.with(extraLines: Self.fastMembership + ["enable_fencing=0"]) { cluster in
            let first = try cluster.client(1)
            try first.join("default")
            try await cluster.crash(2)
            try await cluster.crash(3)
            let inquorate = try await LocalCluster.waitFor { cluster.statusValue(1, "quorate") == "0" }
            #expect(inquorate, "node 1 should be inquorate: \(cluster.status(1) ?? "")")
            #expect(cluster.statusValue(1, "state") == "inquorate")
            let call = LockCall(mode: UInt32(LockMode.ex.rawValue), flags: [], lockID: 0, timeoutCentiseconds: 0,
                                wantsBlockingCallbacks: false, name: Array("alone".utf8), valueBlock: nil)
            guard case .result(let result) = try first.request(.lock(call)) else {
                Issue.record("no RESULT for the lock request")
                return
            }
            #expect(result.errno == DLMErrno.ENOTCONN.rawValue)
        }
    }

    // MARK: - The crash scenario

    /// Node 3 holds `heldOnNode3` PR locks plus EX on "hot"; nodes 1 and 2 hold 100 EX locks each;
    /// node 1 waits for "hot"; node 3 is killed; checks recovery, the survivors' locks, and a rejoin.
    static func crashAndRecover(_ cluster: LocalCluster, heldOnNode3 count: Int, label: String) async throws {
        let first = try cluster.client(1)
        let second = try cluster.client(2)
        let third = try cluster.client(3)
        for client in [first, second, third] { try client.join("default") }
        try takeGranted(third, (0..<count).map { "held-\($0)" }, mode: .pr)
        try takeGranted(third, ["hot"], mode: .ex)
        try takeGranted(first, (0..<100).map { "one-\($0)" }, mode: .ex)
        try takeGranted(second, (0..<100).map { "two-\($0)" }, mode: .ex)
        let waiter = try first.lock(.ex, "hot")
        #expect(try first.callbackIfAny(within: 300) == nil, "node 1's EX must wait while node 3 holds it")
        let generationBefore = UInt64(cluster.statusValue(1, "generation") ?? "0") ?? 0
        let incarnationsBefore = cluster.statusValue(1, "incarnations") ?? ""

        let killed = ContinuousClock.now
        try await cluster.crash(3)
        var detected: Duration?
        while detected == nil && ContinuousClock.now - killed < .seconds(20) {
            // The view change is seen as a stopped/fencing/recovering state, or (if the poll missed
            // that short window) as the new generation already committed.
            let status = cluster.status(1) ?? ""
            if !status.contains("\nstate running\n") || !status.contains("\ngeneration \(generationBefore)\n") {
                detected = ContinuousClock.now - killed
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let granted = try first.callback(timeoutMilliseconds: 20_000)
        let recovered = ContinuousClock.now - killed
        #expect(granted == .completion(CompletionCallback(lockID: waiter, status: .granted, grantedMode: .ex)))
        print("[\(label)] \(count + 1) locks on node 3: detection (kill -> view change seen on node 1) "
            + "\(detected.map { "\($0)" } ?? "not seen"), recovery (kill -> waiter granted) \(recovered)")
        #expect(detected != nil)
        let milestones = ["view change", "view committed", "recovery done", "fenc", "quorum"]
        for line in fileText(cluster.logPath(1)).split(separator: "\n") where milestones.contains(where: { line.contains($0) }) {
            print("[\(label)] node 1: \(line)")
        }

        // The survivors' locks survived: the other survivor's NOQUEUE requests are all refused.
        try expectAllHeld(by: second, probe: first, (0..<100).map { "two-\($0)" })
        try expectAllHeld(by: first, probe: second, (0..<100).map { "one-\($0)" })
        // Node 3's locks are gone: node 2 gets EX on what node 3 held.
        try takeGranted(second, (0..<20).map { "held-\($0)" }, mode: .ex, noQueue: true)
        let generationAfter = UInt64(cluster.statusValue(1, "generation") ?? "0") ?? 0
        #expect(generationAfter > generationBefore)
        #expect(cluster.statusValue(1, "members") == "1 2")

        // Node 3 restarts as a new incarnation, rejoins, and locks again.
        try cluster.restart(3)
        for node in 1...3 {
            let settled = try await LocalCluster.waitFor { cluster.isSettled(node, members: "1 2 3") }
            #expect(settled, "node \(node) after the rejoin: \(cluster.status(node) ?? "no answer")")
        }
        #expect(UInt64(cluster.statusValue(1, "generation") ?? "0") ?? 0 > generationAfter)
        let incarnationsAfter = cluster.statusValue(1, "incarnations") ?? ""
        #expect(incarnationsAfter != incarnationsBefore && incarnationsAfter.contains("3#"))
        let reborn = try cluster.client(3)
        try reborn.join("default")
        try takeGranted(reborn, (100..<120).map { "held-\($0)" }, mode: .ex)
        try expectAllHeld(by: first, probe: reborn, ["hot"] + (0..<10).map { "one-\($0)" })
    }

    /// Requests every name (pipelined), then expects a grant for each.
    static func takeGranted(_ client: ClusterClient, _ names: [String], mode: LockMode, noQueue: Bool = false) throws {
        var ids: Set<LockID> = []
        for name in names { ids.insert(try client.lock(mode, name, flags: noQueue ? .noQueue : [])) }
        while !ids.isEmpty {
            guard case .completion(let completion) = try client.callback(timeoutMilliseconds: 20_000),
                completion.status == .granted, ids.remove(completion.lockID) != nil
            else { throw ClusterTestError("a lock was not granted") }
        }
    }

    /// Every name is still held (by `holder`): `probe`'s NOQUEUE PR on each is refused with EAGAIN.
    static func expectAllHeld(by holder: ClusterClient, probe: ClusterClient, _ names: [String]) throws {
        var refused = 0
        for name in names {
            let id = try probe.lock(.pr, name, flags: .noQueue)
            guard case .completion(let completion) = try probe.callback(timeoutMilliseconds: 10_000), completion.lockID == id else {
                throw ClusterTestError("no completion for the probe of \(name)")
            }
            if completion.status == .wouldBlock { refused += 1 } else { try probe.unlock(id); _ = try probe.callback() }
        }
        #expect(refused == names.count, "\(names.count - refused) of \(names.count) locks were lost")
    }
}
