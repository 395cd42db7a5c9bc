// Three real dlmd processes on loopback (ClusterHarness) act as one lock manager: clients on
// different nodes contend for a resource (EX on node 1 blocks EX on node 3 until released; the bast
// and the grant cross nodes), an LVB written on node 2 (EX→NL conversion) is read on node 3, a NODIR lockspace with one
// lock server (`master ls node=2`) masters everything on node 2 (checked with lockdebug), and a
// resource first used on a node that is not its directory node is mastered there after a LOOKUP
// (checked with lockdebug on the master and the directory's hash); NOQUEUE, LKF_TIMEOUT (the master's
// timer) and a holder's disconnect work across nodes. Each test starts and stops its
// own three processes by PID, and every wait is bounded.

import DLMClientProtocol
import DLMCore
import DLMDirectory
import Foundation
import Testing

@Suite("three dlmd processes form one lock manager", .serialized, .timeLimit(.minutes(2)))
struct ClusterLockingTests {
    static let lockspaces = ["lockspace default", "", "lockspace nodirls nodir=1", "master nodirls node=2 weight=1"]

    @Test("EX on node 1 blocks EX on node 3; the bast and the grant cross nodes")
    func contentionAcrossNodes() async throws {
        try await LocalCluster.with(extraLines: Self.lockspaces) { cluster in
            let first = try cluster.client(1)
            let third = try cluster.client(3)
            try first.join("default")
            try third.join("default")
            let held = try first.lock(.ex, "shared", basts: true)
            #expect(try first.callback() == .completion(CompletionCallback(lockID: held, status: .granted, grantedMode: .ex)))
            let waiting = try third.lock(.ex, "shared", basts: true)
            #expect(try third.callbackIfAny(within: 500) == nil, "node 3's EX must wait while node 1 holds EX")
            #expect(try first.callback() == .blocking(lockID: held, mode: .ex))
            try first.unlock(held)
            #expect(try first.callback() == .completion(CompletionCallback(lockID: held, status: .unlocked, grantedMode: nil)))
            #expect(try third.callback() == .completion(CompletionCallback(lockID: waiting, status: .granted, grantedMode: .ex)))
            try third.unlock(waiting)
            #expect(try third.callback() == .completion(CompletionCallback(lockID: waiting, status: .unlocked, grantedMode: nil)))
        }
    }

    @Test("an LVB written on node 2 is read on node 3")
    func valueBlockAcrossNodes() async throws {
        try await LocalCluster.with(extraLines: Self.lockspaces) { cluster in
            let second = try cluster.client(2)
            let third = try cluster.client(3)
            try second.join("default")
            try third.join("default")
            let written = (0..<UInt8(Limits.valueBlockBytesDefault)).map { $0 &* 7 &+ 3 }
            let zeros = [UInt8](repeating: 0, count: Limits.valueBlockBytesDefault)
            let writer = try second.lock(.ex, "lvb", flags: .valueBlock, valueBlock: zeros)
            guard case .completion(let granted) = try second.callback(), granted.status == .granted else {
                Issue.record("node 2's EX was not granted")
                return
            }
            // Down-convert to NL writing the LVB: the NL lock keeps the resource (and its LVB) alive
            // (spec §6: the LVB is discarded when a resource has no locks left).
            _ = try second.lock(.nl, "lvb", flags: [.convert, .valueBlock], lockID: writer, valueBlock: written)
            guard case .completion(let converted) = try second.callback() else {
                Issue.record("node 2's conversion got no completion")
                return
            }
            #expect(converted.lockID == writer && converted.status == .granted && converted.grantedMode == .nl)
            let reader = try third.lock(.pr, "lvb", flags: .valueBlock, valueBlock: zeros)
            guard case .completion(let read) = try third.callback() else {
                Issue.record("node 3's PR got no completion")
                return
            }
            #expect(read.lockID == reader && read.status == .granted)
            #expect(read.valueBlock == written)
        }
    }

    @Test("NODIR with one lock server: requests from nodes 1 and 3 are mastered on node 2")
    func noDirectoryLockServer() async throws {
        try await LocalCluster.with(extraLines: Self.lockspaces) { cluster in
            let first = try cluster.client(1)
            let third = try cluster.client(3)
            try first.join("nodirls")
            try third.join("nodirls")
            let names = ["alpha", "beta", "gamma", "delta"]
            for name in names {
                let one = try first.lock(.pr, name)
                #expect(try first.callback() == .completion(CompletionCallback(lockID: one, status: .granted, grantedMode: .pr)))
                let three = try third.lock(.pr, name)
                #expect(try third.callback() == .completion(CompletionCallback(lockID: three, status: .granted, grantedMode: .pr)))
            }
            let server = try cluster.client(2).query(.lockdebug, "nodirls")
            for name in names {
                #expect(server.contains("Resource len \(name.utf8.count)  \"\(name)\"\nMaster node 2 (local)"), "\(server)")
            }
            #expect(server.components(separatedBy: " node 1 pid ").count - 1 == names.count, "\(server)")
            #expect(server.components(separatedBy: " node 3 pid ").count - 1 == names.count, "\(server)")
            let holder = try first.query(.lockdebug, "nodirls")
            #expect(holder.components(separatedBy: "Master node 2\n").count - 1 == names.count, "\(holder)")
            #expect(!holder.contains("(local)"), "node 1 masters nothing: \(holder)")
        }
    }

    @Test("directory mode: a resource first used on a non-directory node is mastered there after a LOOKUP")
    func lookupPath() async throws {
        try await LocalCluster.with(extraLines: Self.lockspaces) { cluster in
            let map = try DirectoryMap(members: [1, 2, 3])
            let name = try #require((0..<200).map { "lookup\($0)" }.first {
                map.directoryNode(for: try! ResourceName($0)) == 2
            })
            let first = try cluster.client(1)
            let third = try cluster.client(3)
            try first.join("default")
            try third.join("default")
            let one = try first.lock(.cr, name)
            #expect(try first.callback() == .completion(CompletionCallback(lockID: one, status: .granted, grantedMode: .cr)))
            let three = try third.lock(.cr, name)
            #expect(try third.callback() == .completion(CompletionCallback(lockID: three, status: .granted, grantedMode: .cr)))
            let master = try first.query(.lockdebug, "default")
            #expect(master.contains("\"\(name)\"\nMaster node 1 (local)"), "\(master)")
            #expect(master.contains(" node 3 pid "), "node 3's lock has a master copy on node 1: \(master)")
            let remote = try third.query(.lockdebug, "default")
            #expect(remote.contains("\"\(name)\"\nMaster node 1\n"), "\(remote)")
            let directory = try cluster.client(2).query(.lockdebug, "default")
            #expect(!directory.contains("\"\(name)\""), "the directory node holds no lock: \(directory)")
            let status = try first.query(.status)
            #expect(status.contains("members 1 2 3"))
            #expect(status.contains("peer 2 link up") && status.contains("peer 3 link up"), "\(status)")
        }
    }

    @Test("across nodes: NOQUEUE gets EAGAIN, LKF_TIMEOUT expires on the master's timer, a holder's disconnect grants the waiter")
    func failuresAcrossNodes() async throws {
        try await LocalCluster.with(extraLines: Self.lockspaces) { cluster in
            var first: ClusterClient? = try cluster.client(1)
            let second = try cluster.client(2)
            let third = try cluster.client(3)
            for client in [first!, second, third] { try client.join("default") }
            // Node 3 uses the name first, so it becomes the master (directory mode: first asker).
            let anchor = try third.lock(.nl, "busy")
            #expect(try third.callback() == .completion(CompletionCallback(lockID: anchor, status: .granted, grantedMode: .nl)))
            let held = try first!.lock(.ex, "busy")
            #expect(try first!.callback() == .completion(CompletionCallback(lockID: held, status: .granted, grantedMode: .ex)))
            let refused = try second.lock(.pr, "busy", flags: .noQueue)
            #expect(try second.callback() == .completion(CompletionCallback(lockID: refused, status: .wouldBlock, grantedMode: nil)))
            let started = ContinuousClock.now
            let timed = try third.lock(.pr, "busy", flags: .timeout, timeoutCentiseconds: 30)
            #expect(try third.callback() == .completion(CompletionCallback(lockID: timed, status: .timedOut, grantedMode: nil)))
            #expect(ContinuousClock.now - started >= .milliseconds(250), "expired no earlier than its timeout")
            let waiter = try second.lock(.pr, "busy")
            #expect(try second.callbackIfAny(within: 300) == nil)
            first = nil  // closes node 1's connection: its handle closes, its EX on node 3 goes
            #expect(try second.callback() == .completion(CompletionCallback(lockID: waiter, status: .granted, grantedMode: .pr)))
            let master = try third.query(.lockdebug, "default")
            #expect(master.contains("\"busy\"\nMaster node 3 (local)"), "\(master)")
        }
    }
}
