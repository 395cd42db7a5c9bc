// dlmd — DLMNodeTests: client calls made while a lockspace recovers (spec §10.6, edge case 44, §0):
// they are queued (not refused), run in order when locking resumes, and an inquorate node answers
// ENOTCONN. Drives 3 DLMNode values through NodeBench: a node fails, the survivors stop, calls are
// made, recovery runs, and the test checks the messages and callbacks.

import DLMCore
import DLMEngine
import DLMNode
import DLMWire
import Testing

@Suite struct RecoveryQueueTests {
    /// Edge case 44: a lock call while stopped returns an id at once, sends nothing, and is granted
    /// after recovery (the departed EX holder's lock is gone by then).
    @Test func lockWhileStoppedIsQueuedAndGrantedAtResume() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 2)
        _ = try bench.lock(3, name, .ex)
        bench.settle()
        bench.fail(3)
        bench.stopAll()
        bench.sent = []
        let queued = try bench.lock(1, name, .ex)
        #expect(queued >= 1)
        #expect(bench.network.isEmpty)
        #expect(bench.completions(1).isEmpty)
        #expect(bench.nodes[1]!.queuedCallCount(lockspace: bench.lockspace) == 1)
        bench.startRecovery(failed: [3])
        bench.settle()
        #expect(bench.nodes[1]!.queuedCallCount(lockspace: bench.lockspace) == 0)
        #expect(bench.statuses(1, lock: queued) == [.granted])
        #expect(bench.nodes[1]!.takeDeferredCallFailures().isEmpty)
    }

    /// Calls queued during the rebuilding phase too, and run in call order: a conversion and an
    /// unlock of a lock granted before, and a new lock (blocked by node 1's EX) then its cancel.
    @Test func queuedCallsRunInOrder() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 1)
        let held = try bench.lock(2, name, .nl)
        let busy = bench.name(directoryNode: 1, skip: 1)
        _ = try bench.lock(1, busy, .ex)
        bench.settle()
        bench.fail(3)
        bench.stopAll()
        bench.startRecovery(failed: [3])
        // Node 2 has not seen node 1's DONE yet: it is rebuilding.
        #expect(!bench.nodes[2]!.isRunning)
        try bench.convert(2, held, .ex)
        try bench.unlock(2, held)
        let queued = try bench.lock(2, busy, .ex)
        // A queued new lock's request is pending: a plain unlock or a conversion is EBUSY at once.
        #expect(throws: DLMErrno.EBUSY) { try bench.unlock(2, queued) }
        #expect(throws: DLMErrno.EBUSY) { try bench.convert(2, queued, .pr) }
        try bench.unlock(2, queued, flags: .cancel)
        #expect(bench.completions(2).count == 1, "only the first grant of `held`")
        bench.settle()
        #expect(bench.statuses(2, lock: held) == [.granted, .granted, .unlocked])
        #expect(bench.completions(2).map(\.2) == [.nl, .ex, nil, nil])
        #expect(bench.completions(2).last?.1 == .cancelled)
        #expect(bench.nodes[2]!.clientLockCount(lockspace: bench.lockspace) == 0)
    }

    /// A conversion of a lock granted before the failure, asked for while stopped, runs at resume.
    @Test func conversionWhileStoppedRunsAtResume() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 3)
        let id = try bench.lock(1, name, .pr)
        bench.settle()
        #expect(bench.statuses(1, lock: id) == [.granted])
        bench.fail(3)
        bench.stopAll()
        try bench.convert(1, id, .ex)
        bench.startRecovery(failed: [3])
        bench.settle()
        #expect(bench.statuses(1, lock: id) == [.granted, .granted])
        #expect(bench.lastCompletion(1)?.grantedMode == .ex)
    }

    /// Argument errors and unknown lock ids are still reported at once while stopped.
    @Test func argumentErrorsAreImmediateWhileStopped() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 1)
        bench.stopAll()
        #expect(throws: DLMErrno.EINVAL) { try bench.lock(1, name, .ex, flags: [.cancel]) }
        #expect(throws: DLMErrno.ENOENT) { try bench.unlock(1, 77) }
        #expect(throws: DLMErrno.ENOENT) { try bench.convert(1, 77, .ex) }
        #expect(throws: DLMErrno.EAGAIN) { try bench.lock(1, name, .ex, flags: [.orphan, .persistent]) }
        #expect(bench.nodes[1]!.queuedCallCount(lockspace: bench.lockspace) == 0)
    }

    /// An inquorate node refuses calls with ENOTCONN (documented errno), queues nothing.
    @Test func inquorateNodeAnswersENOTCONN() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 1)
        bench.nodes[1]!.quorumLost()
        #expect(throws: DLMErrno.ENOTCONN) { try bench.lock(1, name, .ex) }
        #expect(bench.nodes[1]!.queuedCallCount(lockspace: bench.lockspace) == 0)
    }

    /// A closed handle's queued calls are dropped with their reserved ids; nothing is delivered.
    @Test func closeDropsQueuedCalls() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 2)
        bench.fail(3)
        bench.stopAll()
        let id = try bench.lock(1, name, .ex, handle: 5)
        var directives: [NodeDirective] = []
        bench.nodes[1]!.closeHandle(lockspace: bench.lockspace, handle: 5, now: bench.now, directives: &directives)
        #expect(bench.nodes[1]!.queuedCallCount(lockspace: bench.lockspace) == 0)
        bench.nodes[1]!.checkInvariants()
        bench.startRecovery(failed: [3])
        bench.settle()
        #expect(bench.statuses(1, lock: id).isEmpty)
        #expect(bench.nodes[1]!.clientLockCount(lockspace: bench.lockspace) == 0)
    }

    /// Past `Limits.recoveryQueuedCallsMax` queued calls a call fails with EAGAIN and a logged reason.
    @Test func fullQueueRefusesWithEAGAIN() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 1)
        bench.stopAll()
        for _ in 0..<Limits.recoveryQueuedCallsMax { _ = try bench.lock(1, name, .nl) }
        #expect(throws: DLMErrno.EAGAIN) { try bench.lock(1, name, .nl) }
        let failures = bench.nodes[1]!.takeDeferredCallFailures()
        #expect(failures.map(\.reason) == ["recovery queue full"])
        #expect(failures.first?.errno == .EAGAIN)
    }
}
