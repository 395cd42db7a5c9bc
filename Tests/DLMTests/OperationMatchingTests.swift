// Tests how ConnectionState matches completions to operations when dlmd reuses a freed lock id at once
// (lowest free id first): `_wait` operations are finished by request id, never by lock id alone; a
// completion read before its waiter collected the RESULT is kept; a completion that ends a lock finishes
// every operation outstanding on it; a cancel ends with the operation it cancels. Drives the pure state
// machine with decoded frames in the order dlmd writes them; no sockets or threads.

import DLMClientProtocol
import Testing
@testable import DLM

private func result(_ id: UInt32, lockID: LockID = 0, outcome: ResultOutcome = .completionFollows) -> Frame<DaemonMessage> {
    Frame(requestID: id, message: .result(RequestResult(errno: 0, lockID: lockID, outcome: outcome)))
}

private func completion(_ lockID: LockID, _ status: CompletionStatus, granted: LockMode?) -> Frame<DaemonMessage> {
    Frame(requestID: 0, message: .completion(CompletionCallback(lockID: lockID, status: status, grantedMode: granted)))
}

@Suite struct OperationMatchingTests {
    /// Thread A unlocks lock 1 and waits; before A collects its completion, thread B's new lock gets id 1.
    /// Keyed by lock id, B took A's finished wait and returned with EINPROG, and one of them hung.
    @Test func reusedLockIDDoesNotMixUpTwoWaiters() {
        var state = ConnectionState()
        let blockA = LockStatusBlock()
        let lockA = state.register(.lock(LockContext(statusBlock: blockA, wait: true)))
        state.apply(result(lockA, lockID: 1))
        state.apply(completion(1, .granted, granted: .ex))
        let granted = state.takeFinishedWait(lockA)
        #expect(granted)

        blockA.markPending()
        let unlockA = state.register(.unlock(lockID: 1, statusBlock: blockA, wait: true, cancel: false))
        let blockB = LockStatusBlock()
        blockB.markPending()
        let lockB = state.register(.lock(LockContext(statusBlock: blockB, wait: true)))
        // dlmd: RESULT(unlock A), COMPLETION(1, EUNLOCK), RESULT(lock B, id 1 again), COMPLETION(1, granted).
        state.apply(result(unlockA))
        state.apply(completion(1, .unlocked, granted: nil))
        state.apply(result(lockB, lockID: 1))
        let early = state.takeFinishedWait(lockB)
        #expect(!early, "B's own completion has not arrived yet")
        state.apply(completion(1, .granted, granted: .ex))

        let replies = (state.takeReply(unlockA), state.takeReply(lockB))
        #expect(replies.0 != nil && replies.1 != nil)
        let finishedB = state.takeFinishedWait(lockB)
        let finishedA = state.takeFinishedWait(unlockA)
        #expect(finishedB && finishedA)
        #expect(blockA.status == DLMErrno.EUNLOCK.rawValue)
        #expect(blockB.status == 0 && blockB.lockID == 1)
        #expect(state.callbacks.isEmpty)
    }

    /// Another thread (the reader) reads both the RESULT and the COMPLETION before the caller looks.
    @Test func completionReadBeforeTheWaiterCollectsItsResultIsKept() {
        var state = ConnectionState()
        let block = LockStatusBlock()
        block.markPending()
        let id = state.register(.lock(LockContext(statusBlock: block, wait: true)))
        state.apply(result(id, lockID: 3))
        state.apply(completion(3, .granted, granted: .pr))
        let reply = state.takeReply(id)
        #expect(reply == .result(RequestResult(errno: 0, lockID: 3, outcome: .completionFollows)))
        let finished = state.takeFinishedWait(id)
        #expect(finished)
        #expect(block.status == 0)
    }

    /// A waiting request unlocked by another thread: one EUNLOCK ends the lock and both waits.
    @Test func completionThatEndsTheLockFinishesEveryOperation() {
        var state = ConnectionState()
        let block = LockStatusBlock()
        let lock = state.register(.lock(LockContext(statusBlock: block, wait: true)))
        state.apply(result(lock, lockID: 2))
        let unlock = state.register(.unlock(lockID: 2, statusBlock: nil, wait: true, cancel: false))
        state.apply(result(unlock))
        state.apply(completion(2, .unlocked, granted: nil))
        let finished = (state.takeFinishedWait(lock), state.takeFinishedWait(unlock))
        #expect(finished.0 && finished.1)
        #expect(block.status == DLMErrno.EUNLOCK.rawValue)
        #expect(state.locks[2] == nil)
    }

    /// A waiting conversion (`lockWait`) cancelled by an asynchronous cancel: the ECANCEL ends both and the
    /// lock stays at its granted mode. The AST in force is the last LOCK call's (the convert had none), so
    /// the first request's AST is not called again.
    @Test func cancelFinishesWithTheConversionItCancels() {
        var state = ConnectionState()
        let log = CallLog()
        let block = LockStatusBlock()
        let first = state.register(.lock(LockContext(statusBlock: block, completion: { _ in log.append("ast") }, wait: false)))
        state.apply(result(first, lockID: 5))
        state.apply(completion(5, .granted, granted: .pr))
        let convert = state.register(.lock(LockContext(statusBlock: block, wait: true, convert: true)))
        state.apply(result(convert, lockID: 5))
        let cancel = state.register(.unlock(lockID: 5, statusBlock: nil, wait: false, cancel: true))
        state.apply(result(cancel))
        state.apply(completion(5, .cancelled, granted: .pr))
        let finished = state.takeFinishedWait(convert)
        #expect(finished)
        #expect(block.status == DLMErrno.ECANCEL.rawValue)
        #expect(state.locks[5]?.operations.isEmpty == true)
        for callback in state.takeCallbacks() { callback.run() }
        #expect(log.all == ["ast"])
    }

    /// A new request that gets the id of a lock the client still remembers (purged without callbacks)
    /// starts afresh: the stale entry's handlers are not used.
    @Test func newRequestReplacesAStaleEntry() {
        var state = ConnectionState()
        let log = CallLog()
        let old = state.register(.lock(LockContext(statusBlock: LockStatusBlock(), completion: { _ in log.append("old") }, wait: false)))
        state.apply(result(old, lockID: 7))
        let fresh = state.register(.lock(LockContext(statusBlock: LockStatusBlock(), completion: { _ in log.append("new") }, wait: false)))
        state.apply(result(fresh, lockID: 7))
        state.apply(completion(7, .granted, granted: .ex))
        for callback in state.takeCallbacks() { callback.run() }
        #expect(log.all == ["new"])
        #expect(state.locks[7]?.operations.isEmpty == true)
    }
}
