// End-to-end tests against the real dlmd binary (DaemonHarness) of dlm_tool's administrative commands
// (join, ls, lockdump, leave, an error exit) and of the library calls the first suite does not reach:
// the default lockspace found through $DLMD_SOCKET, lockx's timeout (ETIMEDOUT), deadlockCancel
// (EDEADLK), and orphans — a PERSISTENT lock of a SIGKILLed dlm_tool adopted with LKF_ORPHAN by
// lockWait (no completion comes; it must return status 0, not hang) and purged. Waits are bounded.

import Foundation
import Glibc
import Testing
@testable import DLM

@Suite(.serialized, .timeLimit(.minutes(1))) struct DLMToolIntegrationTests {
    @Test func joinListLockdumpLeave() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        let join = try daemon.spawnTool(["join", "tooltest", "-m", "640"])
        #expect(join.waitForExit() == 0)
        #expect(join.output == "Joining lockspace \"tooltest\" permission 640\ndone\n")
        #expect(try DLMAdmin.query(.lockspaces, socketPath: daemon.socketPath).contains("tooltest"))
        let holder = try daemon.spawnTool(["lock", "tooltest", "res", "--mode", "pw", "--hold", "30"])
        #expect(holder.waitFor("status 0"), "holder output: \(holder.output)")
        let dump = try daemon.spawnTool(["lockdump", "tooltest"])
        #expect(dump.waitForExit() == 0)
        #expect(dump.output.contains("gr PW") && dump.output.contains("\"res\""), "lockdump: \(dump.output)")
        holder.killHard()
        let leave = try daemon.spawnTool(["leave", "tooltest"])
        #expect(leave.waitForExit() == 0)
        #expect(leave.output == "Leaving lockspace \"tooltest\"\ndone\n")
        // `dlm_tool lock` joined with a create reference of its own: a second leave drops the last one.
        #expect(try daemon.spawnTool(["leave", "tooltest"]).waitForExit() == 0)
        let missing = try daemon.spawnTool(["lockdump", "tooltest"])
        #expect(missing.waitForExit() == 1)
        #expect(missing.output.contains("ENOENT"))
    }

    @Test func defaultLockspaceThroughEnvironment() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        setenv(DLMSocketPath.environmentVariable, daemon.socketPath, 1)
        defer {
            DLM.cleanupDefaultLockspace()
            unsetenv(DLMSocketPath.environmentVariable)
        }
        #expect(throws: DLMErrno.ENOTCONN) { try DLM.unlock(lockID: 1) }
        let block = LockStatusBlock()
        try DLM.lockWait(mode: .ex, statusBlock: block, name: try ResourceName("r"))
        #expect(block.status == 0)
        #expect(try DLM.fileDescriptor() >= 0)
        try DLM.unlockWait(lockID: block.lockID)
        #expect(block.status == DLMErrno.EUNLOCK.rawValue)
        #expect(try DLMAdmin.query(.lockspaces, socketPath: daemon.socketPath).contains(DLM.defaultLockspaceName))
    }

    @Test func lockxTimesOutAndDeadlockCancelReportsEDEADLK() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        let a = try DLM.createLockspace("timeouts", socketPath: daemon.socketPath)
        let b = try DLM.openLockspace("timeouts", socketPath: daemon.socketPath)
        defer { a.close(); b.close() }
        try a.lockWait(mode: .ex, statusBlock: LockStatusBlock(), name: "r")
        let timed = LockStatusBlock()
        try b.lockWait(mode: .ex, statusBlock: timed, name: "r", timeoutCentiseconds: 5)
        #expect(timed.status == DLMErrno.ETIMEDOUT.rawValue)

        let recorder = Recorder()
        let waiting = LockStatusBlock()
        try b.lock(mode: .ex, statusBlock: waiting, name: "r", completion: recorder.completion)
        try b.deadlockCancel(lockID: waiting.lockID)
        #expect(eventually { try? b.dispatch(); return recorder.log.all == ["ast EDEADLK"] }, "\(recorder.log.all)")
    }

    @Test func orphanOfAKilledProcessIsAdoptedWithoutHangingThenPurged() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        let child = try daemon.spawnTool(["lock", "orphans", "res", "--mode", "pr", "--hold", "60", "--persistent"])
        #expect(child.waitFor("status 0"), "child output: \(child.output)")
        child.killHard()
        let ls = try DLM.openLockspace("orphans", socketPath: daemon.socketPath)
        defer { ls.close() }
        let probe = LockStatusBlock()
        try ls.lockWait(mode: .ex, statusBlock: probe, flags: .noQueue, name: "res")
        #expect(probe.status == DLMErrno.EAGAIN.rawValue, "the orphan still holds PR")

        let adopted = LockStatusBlock()
        try ls.lockWait(mode: .pr, statusBlock: adopted, flags: [.orphan, .persistent], name: "res")
        #expect(adopted.status == 0 && adopted.lockID != 0)
        try ls.unlockWait(lockID: adopted.lockID)
        #expect(adopted.status == DLMErrno.EUNLOCK.rawValue)

        let second = try daemon.spawnTool(["lock", "orphans", "res", "--mode", "pr", "--hold", "60", "--persistent"])
        #expect(second.waitFor("status 0"), "child output: \(second.output)")
        second.killHard()
        try ls.purge(nodeID: 0, pid: 0)
        let after = LockStatusBlock()
        try ls.lockWait(mode: .ex, statusBlock: after, flags: .noQueue, name: "res")
        #expect(after.status == 0, "purge released every orphan")
    }
}
