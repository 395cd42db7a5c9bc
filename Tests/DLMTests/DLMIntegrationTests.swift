// End-to-end tests of the client library and dlm_tool against the real dlmd binary (DaemonHarness: a
// private socket in a temp directory). Second clients are separate connections in this process or
// `dlm_tool lock` child processes. Covers contention with completion and blocking callbacks across
// processes, the LVB from a PW holder to the next reader, NOQUEUE, convert, cancel, release while busy
// (EBUSY), a holder and a waiter killed with SIGKILL, and the async API's blockingNotifications. Every
// wait is bounded (callbacks by `eventually`, children by `waitFor`/`waitForExit`).

import Foundation
import Glibc
import Testing
@testable import DLM

/// Records a lock's callbacks in order.
final class Recorder: @unchecked Sendable {
    let log = CallLog()
    var completion: CompletionHandler { { [log] block in log.append("ast \(statusText(block.status))") } }
    var blocking: BlockingHandler { { [log] mode in log.append("bast \(mode)") } }
}

func statusText(_ status: Int32) -> String {
    CompletionStatus(rawValue: status)?.description ?? DLMErrno(status).description
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct DLMIntegrationTests {
    @Test func contentionWithAnotherProcessDeliversCompletionAndBlockingCallbacks() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        let child = try daemon.spawnTool(["lock", "ls1", "res", "--mode", "ex", "--hold", "2"])
        #expect(child.waitFor("status 0"), "child output: \(child.output)")
        let ls = try DLM.openLockspace("ls1", socketPath: daemon.socketPath)
        defer { ls.close() }
        try ls.startCallbackThread()
        let recorder = Recorder()
        let block = LockStatusBlock()
        try ls.lock(mode: .pr, statusBlock: block, name: "res", completion: recorder.completion, blocking: recorder.blocking)
        #expect(block.isPending && block.lockID != 0)
        #expect(child.waitFor("another lock waits for PR"), "child output: \(child.output)")
        #expect(eventually(10) { recorder.log.all == ["ast 0"] }, "log \(recorder.log.all)")
        #expect(child.waitForExit() == 0)
        #expect(child.output.contains("unlock \"res\" status EUNLOCK"))
        #expect(block.status == 0)
    }

    @Test func valueBlockPassesFromPWHolderToNextReader() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        let writer = try DLM.createLockspace("lvb", socketPath: daemon.socketPath)
        let reader = try DLM.openLockspace("lvb", socketPath: daemon.socketPath)
        defer { writer.close(); reader.close() }
        let written = LockStatusBlock(valueBlock: [UInt8](repeating: 0, count: 32))
        try writer.lockWait(mode: .pw, statusBlock: written, flags: .valueBlock, name: "r")
        #expect(written.status == 0)
        written.valueBlock = Array("hello lvb".utf8) + [UInt8](repeating: 0, count: 23)
        // Down-convert PW -> NL writes the LVB; the NL lock keeps the resource (and its LVB) alive.
        try writer.lockWait(mode: .nl, statusBlock: written, flags: [.convert, .valueBlock], name: "r")
        #expect(written.status == 0)
        let read = LockStatusBlock(valueBlock: [UInt8](repeating: 0xFF, count: 32))
        try reader.lockWait(mode: .pr, statusBlock: read, flags: .valueBlock, name: "r")
        #expect(read.status == 0)
        #expect(read.valueBlock.map { Array($0.prefix(9)) } == Array("hello lvb".utf8))
    }

    @Test func noQueueConvertAndCancel() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        let a = try DLM.createLockspace("q", socketPath: daemon.socketPath)
        let b = try DLM.openLockspace("q", socketPath: daemon.socketPath)
        defer { a.close(); b.close() }
        let held = LockStatusBlock()
        try a.lockWait(mode: .pr, statusBlock: held, name: "r")
        let denied = LockStatusBlock()
        try b.lockWait(mode: .ex, statusBlock: denied, flags: .noQueue, name: "r")
        #expect(denied.status == DLMErrno.EAGAIN.rawValue)

        // B waits for EX; cancelling it completes with ECANCEL.
        let waiting = LockStatusBlock()
        let recorder = Recorder()
        try b.lock(mode: .ex, statusBlock: waiting, name: "r", completion: recorder.completion)
        try b.unlockWait(lockID: waiting.lockID, flags: .cancel, statusBlock: waiting)
        #expect(waiting.status == DLMErrno.ECANCEL.rawValue)

        // A converts PR -> EX while B holds PR: B gets a bast, unlocks, A's convert completes.
        let shared = LockStatusBlock()
        let bRecorder = Recorder()
        try b.lock(mode: .pr, statusBlock: shared, name: "r", completion: bRecorder.completion, blocking: bRecorder.blocking)
        #expect(eventually { try? b.dispatch(); return bRecorder.log.all == ["ast 0"] })
        let aRecorder = Recorder()
        try a.lock(mode: .ex, statusBlock: held, flags: .convert, name: "r", completion: aRecorder.completion)
        #expect(eventually { try? b.dispatch(); return bRecorder.log.all == ["ast 0", "bast EX"] }, "\(bRecorder.log.all)")
        try b.unlockWait(lockID: shared.lockID)
        #expect(eventually { try? a.dispatch(); return aRecorder.log.all == ["ast 0"] }, "\(aRecorder.log.all)")
    }

    @Test func releaseWhileBusyIsEBUSYUntilForced() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        let creator = try DLM.createLockspace("busy", socketPath: daemon.socketPath)
        let user = try DLM.openLockspace("busy", socketPath: daemon.socketPath)
        defer { user.close() }
        let block = LockStatusBlock()
        try user.lockWait(mode: .ex, statusBlock: block, name: "r")
        #expect(throws: DLMErrno.EBUSY) { try DLM.releaseLockspace("busy", handle: creator, force: false) }
        try DLMAdmin.releaseLockspace("busy", force: true, socketPath: daemon.socketPath)
        #expect(throws: DLMErrno.ENOENT) { _ = try DLM.openLockspace("busy", socketPath: daemon.socketPath) }
    }

    @Test func killedHolderReleasesItsLock() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        let child = try daemon.spawnTool(["lock", "kill", "res", "--mode", "ex", "--hold", "60"])
        #expect(child.waitFor("status 0"), "child output: \(child.output)")
        let ls = try DLM.openLockspace("kill", socketPath: daemon.socketPath)
        defer { ls.close() }
        try ls.startCallbackThread()
        let recorder = Recorder()
        try ls.lock(mode: .ex, statusBlock: LockStatusBlock(), name: "res", completion: recorder.completion)
        usleep(100_000)
        #expect(recorder.log.all.isEmpty)
        child.killHard()
        #expect(eventually(10) { recorder.log.all == ["ast 0"] }, "log \(recorder.log.all)")
    }

    @Test func killedWaiterLeavesTheQueue() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        let ls = try DLM.createLockspace("waiter", socketPath: daemon.socketPath)
        defer { ls.close() }
        let held = LockStatusBlock()
        try ls.lockWait(mode: .ex, statusBlock: held, name: "res")
        let child = try daemon.spawnTool(["lock", "waiter", "res", "--mode", "ex"])
        #expect(child.waitFor("requested"), "child output: \(child.output)")
        usleep(200_000)
        child.killHard()
        usleep(200_000)
        try ls.unlockWait(lockID: held.lockID)
        let again = LockStatusBlock()
        try ls.lockWait(mode: .ex, statusBlock: again, flags: .noQueue, name: "res")
        #expect(again.status == 0, "the killed waiter's request must not be granted to a dead process")
    }

    @Test func asyncBlockingNotificationsReceiveTheWaitersMode() async throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        let first = try await DLMClient.lockspace("async", create: true, socketPath: daemon.socketPath)
        let second = try await DLMClient.lockspace("async", socketPath: daemon.socketPath)
        defer { first.close(); second.close() }
        let lock = try await withDeadline(10) { try await first.lock("res", mode: .pr) }
        let waiter = Task { try await withDeadline(10) { try await second.lock("res", mode: .ex) } }
        let wanted = try await withDeadline(10) { () async -> LockMode? in
            var notifications = lock.blockingNotifications.makeAsyncIterator()
            return await notifications.next()
        }
        #expect(wanted == .ex)
        try await withDeadline(10) { try await lock.unlock() }
        let granted = try await waiter.value
        #expect(granted.mode == .ex)
        try await withDeadline(10) { try await granted.unlock() }
    }
}
