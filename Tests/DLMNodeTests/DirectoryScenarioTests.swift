// dlmd — DLMNodeTests: directory mode and NODIR mastery (spec §8, edge cases 51–54, EBADR re-lookup).
// Drives 3 DLMNode values by hand through NodeBench and checks the messages sent and the callbacks
// delivered at each step.

import DLMCore
import DLMDirectory
import DLMEngine
import DLMNode
import DLMWire
import Testing

@Suite struct DirectoryScenarioTests {
    /// Edge case 51: the first locker becomes master through the directory node; the next locker
    /// looks up and sends its REQUEST to that master.
    @Test func firstLockerBecomesMasterAndOthersLookUp() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 3)
        let first = try bench.lock(1, name, .ex)
        #expect(bench.inFlight == ["1>3:lookup"])
        bench.settle()
        #expect(bench.sent == ["1>3:lookup", "3>1:lookupReply"])
        #expect(bench.statuses(1, lock: first) == [.granted])
        #expect(bench.nodes[1]!.inspect(lockspace: bench.lockspace)!.mastered[name] == true)
        #expect(bench.nodes[3]!.directoryRecord(lockspace: bench.lockspace, name: name) == 1)

        let second = try bench.lock(2, name, .pr)
        bench.settle()
        #expect(Array(bench.sent.dropFirst(2).prefix(4)) == ["2>3:lookup", "3>2:lookupReply", "2>1:request", "1>2:requestReply"])
        #expect(bench.statuses(2, lock: second).isEmpty)
        #expect(bench.basts(1).map(\.1) == [.pr])
        try bench.unlock(1, first)
        bench.settle()
        #expect(bench.statuses(1, lock: first) == [.granted, .unlocked])
        #expect(bench.statuses(2, lock: second) == [.granted])
        #expect(bench.sent.last == "1>2:grant")
    }

    /// Edge case 51, second half: when the directory node is the master it answers a LOOKUP with
    /// REQUEST_REPLY directly.
    @Test func directoryNodeThatMastersAnswersLookupWithRequestReply() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 1)
        let first = try bench.lock(1, name, .pr)
        #expect(bench.sent.isEmpty)
        #expect(bench.statuses(1, lock: first) == [.granted])
        let second = try bench.lock(2, name, .pr)
        bench.settle()
        #expect(bench.sent == ["2>1:lookup", "1>2:requestReply"])
        #expect(bench.statuses(2, lock: second) == [.granted])
    }

    /// Edge case 52: within the toss time a node reuses its cached master (no LOOKUP); after it the
    /// cache is gone and it looks up again.
    @Test func cachedMasterIsReusedUntilTossTime() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 3)
        _ = try bench.lock(1, name, .nl)
        bench.settle()
        let remote = try bench.lock(2, name, .cr)
        bench.settle()
        try bench.unlock(2, remote)
        bench.settle()
        bench.sent = []
        bench.delivered = [:]
        let again = try bench.lock(2, name, .cr)
        #expect(bench.inFlight == ["2>1:request"])
        bench.settle()
        #expect(bench.statuses(2, lock: again) == [.granted])
        try bench.unlock(2, again)
        bench.settle()
        bench.tick(2, after: .seconds(11))
        bench.sent = []
        _ = try bench.lock(2, name, .cr)
        #expect(bench.inFlight == ["2>3:lookup"])
        bench.settle()
        #expect(bench.completions(2).last?.1 == .granted)
    }

    /// Edge case 53: the master frees the resource and sends REMOVE while the directory node,
    /// which still records it, sends a REQUEST; the master recreates the resource, and the
    /// directory node ignores the REMOVE because the name is active there.
    @Test func removeRacesRequestFromDirectoryNode() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 3)
        let first = try bench.lock(1, name, .ex)
        bench.settle()
        try bench.unlock(1, first)
        bench.tick(1, after: .seconds(11))
        #expect(bench.inFlight == ["1>3:remove"])
        #expect(bench.nodes[1]!.inspect(lockspace: bench.lockspace)!.mastered.isEmpty)
        let fromDirectory = try bench.lock(3, name, .pr)
        #expect(bench.inFlight == ["1>3:remove", "3>1:request"])
        bench.deliver(from: 3, to: 1)
        #expect(bench.nodes[1]!.inspect(lockspace: bench.lockspace)!.mastered[name] == true)
        bench.deliver(from: 1, to: 3)
        #expect(bench.nodes[3]!.directoryRecord(lockspace: bench.lockspace, name: name) == 1)
        bench.settle()
        #expect(bench.statuses(3, lock: fromDirectory) == [.granted])
    }

    /// A cached master that freed the resource answers EBADR; the holder forgets it, looks up
    /// again and (the directory record being gone) becomes master itself.
    @Test func staleCachedMasterAnswersEBADRAndHolderLooksUpAgain() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 3)
        let master = try bench.lock(1, name, .ex)
        bench.settle()
        let remote = try bench.lock(2, name, .nl)
        bench.settle()
        try bench.unlock(2, remote)
        try bench.unlock(1, master)
        bench.settle()
        bench.tick(1, after: .seconds(11))
        bench.settle()
        #expect(bench.nodes[3]!.directoryRecord(lockspace: bench.lockspace, name: name) == nil)
        bench.sent = []
        bench.delivered = [:]
        let again = try bench.lock(2, name, .pw)
        bench.settle()
        #expect(bench.sent == ["2>1:request", "1>2:requestReply", "2>3:lookup", "3>2:lookupReply"])
        #expect(bench.statuses(2, lock: again) == [.granted])
        #expect(bench.nodes[2]!.inspect(lockspace: bench.lockspace)!.mastered[name] == true)
    }

    /// Edge case 54: NODIR with master weights 2:1 masters about two thirds of the names on node 1,
    /// none on the weight-0 node 3, and requests go straight to the static master.
    @Test func nodirectoryMasterWeights() throws {
        var bench = NodeBench(nodes: 3, noDirectory: true, masterWeights: [1: 2, 2: 1])
        var onNode1 = 0
        var onNode3 = 0
        let total = 600
        for index in 0..<total {
            let master = bench.map.staticMaster(for: try ResourceName("n\(index)"))
            if master == 1 { onNode1 += 1 }
            if master == 3 { onNode3 += 1 }
        }
        #expect(onNode3 == 0)
        #expect(abs(Double(onNode1) / Double(total) - 2.0 / 3.0) < 0.08)
        let name = bench.name(directoryNode: 2)
        let id = try bench.lock(3, name, .ex)
        #expect(bench.inFlight == ["3>2:request"])
        bench.settle()
        #expect(bench.statuses(3, lock: id) == [.granted])
        #expect(bench.nodes[2]!.resourceSnapshot(lockspace: bench.lockspace, name: name)?.granted.count == 1)
    }

    /// A cached master that is the directory node but no longer the master answers ENOTBLK (its
    /// record names the new master); the holder looks up again and goes to the new master.
    @Test func directoryNodeNoLongerMasterAnswersENOTBLK() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 3)
        let first = try bench.lock(3, name, .pr)
        let cached = try bench.lock(2, name, .pr)
        bench.settle()
        try bench.unlock(2, cached)
        try bench.unlock(3, first)
        bench.settle()
        bench.tick(3, after: .seconds(11))
        #expect(bench.nodes[3]!.directoryRecord(lockspace: bench.lockspace, name: name) == nil)
        _ = try bench.lock(1, name, .ex)
        bench.settle()
        #expect(bench.nodes[3]!.directoryRecord(lockspace: bench.lockspace, name: name) == 1)
        bench.sent = []
        bench.delivered = [:]
        let again = try bench.lock(2, name, .nl)
        bench.settle()
        #expect(bench.sent == [
            "2>3:request", "3>2:requestReply", "2>3:lookup", "3>2:lookupReply", "2>1:request", "1>2:requestReply",
        ])
        #expect(bench.statuses(2, lock: again) == [.granted])
    }

    /// An inactive cached master is uncertain: only the first new lock is sent; the next waits on
    /// the lookup list until the master confirms.
    @Test func uncertainMasterSendsOneRequestFirst() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 3)
        _ = try bench.lock(1, name, .nl)
        let old = try bench.lock(2, name, .nl)
        bench.settle()
        try bench.unlock(2, old)
        bench.settle()
        bench.sent = []
        bench.delivered = [:]
        let first = try bench.lock(2, name, .cr)
        let second = try bench.lock(2, name, .cr)
        #expect(bench.inFlight == ["2>1:request"])
        bench.deliver(from: 2, to: 1)
        bench.deliver(from: 1, to: 2)
        #expect(bench.inFlight == ["2>1:request"])
        bench.settle()
        #expect(bench.statuses(2, lock: first) == [.granted])
        #expect(bench.statuses(2, lock: second) == [.granted])
    }
}
