// Tests the client's pure bookkeeping (ConnectionState): request-id allocation, RESULT matching, lock
// registration from RESULTs, status-block filling, callback queue order, end-of-life of lock ids and
// the `_wait` hand-off. Drives the state machine directly with decoded frames; no sockets or threads.

import DLMClientProtocol
import Testing
@testable import DLM

/// Collects handler invocations in order (thread-safe, though these tests are single-threaded).
final class CallLog: @unchecked Sendable {
    private let lock = ConditionLock()
    private var entries: [String] = []
    func append(_ entry: String) { lock.withLock { entries.append(entry) } }
    var all: [String] { lock.withLock { entries } }
}

private func result(_ id: UInt32, errno: Int32 = 0, lockID: LockID = 0, outcome: ResultOutcome = .completionFollows)
    -> Frame<DaemonMessage>
{
    Frame(requestID: id, message: .result(RequestResult(errno: errno, lockID: lockID, outcome: outcome)))
}

private func completion(
    _ lockID: LockID, _ status: CompletionStatus, granted: LockMode?, flags: StatusFlags = [], lvb: [UInt8]? = nil
) -> Frame<DaemonMessage> {
    Frame(
        requestID: 0,
        message: .completion(
            CompletionCallback(lockID: lockID, status: status, flags: flags, grantedMode: granted, valueBlock: lvb)))
}

@Suite struct ConnectionStateTests {
    @Test func requestIDsAreNonZeroAndDistinctAndRepliesMatchByID() {
        var state = ConnectionState()
        let first = state.register(.plain)
        let second = state.register(.plain)
        #expect(first != 0 && second != 0 && first != second)
        state.apply(result(second, errno: DLMErrno.ENOENT.rawValue))
        let beforeFirst = state.takeReply(first)
        #expect(beforeFirst == nil)
        state.apply(result(first))
        let firstReply = state.takeReply(first)
        let secondReply = state.takeReply(second)
        let again = state.takeReply(second)
        #expect(firstReply == .result(RequestResult()))
        #expect(secondReply == .result(RequestResult(errno: 2)))
        #expect(again == nil)
        #expect(state.pending.isEmpty)
    }

    @Test func unknownRequestIDIsIgnored() {
        var state = ConnectionState()
        state.apply(result(77))
        let reply = state.takeReply(77)
        #expect(reply == nil)
    }

    @Test func queryTextChunksAreJoinedUntilLast() {
        var state = ConnectionState()
        let id = state.register(.plain)
        state.apply(Frame(requestID: id, message: .queryText(last: false, text: "name a\n")))
        let partial = state.takeReply(id)
        #expect(partial == nil)
        state.apply(Frame(requestID: id, message: .queryText(last: true, text: "name b\n")))
        let whole = state.takeReply(id)
        #expect(whole == .text("name a\nname b\n"))
    }

    @Test func lockResultRegistersLockAndCompletionFillsBlockWhenRun() {
        var state = ConnectionState()
        let log = CallLog()
        let block = LockStatusBlock(valueBlock: [UInt8](repeating: 0, count: 32))
        block.markPending()
        let context = LockContext(
            statusBlock: block, completion: { log.append("ast status \($0.status)") },
            blocking: { log.append("bast \($0)") }, wait: false)
        let id = state.register(.lock(context))
        state.apply(result(id, lockID: 7))
        #expect(block.lockID == 7)
        #expect(block.isPending)
        state.apply(completion(7, .granted, granted: .pr, flags: .valueNotValid, lvb: [1, 2, 3]))
        #expect(block.isPending, "the block is filled when the callback runs, not when it is read")
        for callback in state.takeCallbacks() { callback.run() }
        #expect(block.status == 0)
        #expect(block.flags == .valueNotValid)
        #expect(block.valueBlock == [1, 2, 3] + [UInt8](repeating: 0, count: 29))
        #expect(log.all == ["ast status 0"])
        state.apply(Frame(requestID: 0, message: .blocking(lockID: 7, mode: .ex)))
        for callback in state.takeCallbacks() { callback.run() }
        #expect(log.all == ["ast status 0", "bast EX"])
    }

    @Test func failedLockResultRegistersNothing() {
        var state = ConnectionState()
        let id = state.register(.lock(LockContext(statusBlock: LockStatusBlock(), wait: false)))
        state.apply(result(id, errno: DLMErrno.EINVAL.rawValue))
        #expect(state.locks.isEmpty)
        let reply = state.takeReply(id)
        #expect(reply == .result(RequestResult(errno: 22)))
    }

    @Test func callbacksRunInArrivalOrderAcrossLocks() {
        var state = ConnectionState()
        let log = CallLog()
        for lockID: LockID in [1, 2] {
            let context = LockContext(
                statusBlock: LockStatusBlock(), completion: { log.append("ast \(lockID) \($0.status)") },
                blocking: { log.append("bast \(lockID) \($0)") }, wait: false)
            let id = state.register(.lock(context))
            state.apply(result(id, lockID: lockID))
        }
        state.apply(completion(2, .granted, granted: .ex))
        state.apply(completion(1, .wouldBlock, granted: nil))
        state.apply(Frame(requestID: 0, message: .blocking(lockID: 2, mode: .pr)))
        state.apply(Frame(requestID: 0, message: .blocking(lockID: 1, mode: .pr)))
        for callback in state.takeCallbacks() { callback.run() }
        #expect(log.all == ["ast 2 0", "ast 1 11", "bast 2 PR"])
        #expect(state.locks[1] == nil, "a NOQUEUE failure of a new request ends the lock id")
        #expect(state.locks[2] != nil)
    }

    @Test func unlockCompletionEndsTheLockAndUsesTheUnlockBlock() {
        var state = ConnectionState()
        let log = CallLog()
        let lockBlock = LockStatusBlock()
        let id = state.register(.lock(LockContext(statusBlock: lockBlock, completion: { _ in log.append("ast") }, wait: false)))
        state.apply(result(id, lockID: 3))
        state.apply(completion(3, .granted, granted: .ex))
        let unlockBlock = LockStatusBlock()
        let unlockID = state.register(.unlock(lockID: 3, statusBlock: unlockBlock, wait: false, cancel: false))
        state.apply(result(unlockID))
        state.apply(completion(3, .unlocked, granted: nil))
        for callback in state.takeCallbacks() { callback.run() }
        #expect(lockBlock.status == 0)
        #expect(unlockBlock.status == DLMErrno.EUNLOCK.rawValue)
        #expect(unlockBlock.lockID == 3)
        #expect(log.all == ["ast", "ast"])
        #expect(state.locks[3] == nil)
    }

    @Test func cancelledConversionKeepsTheLock() {
        var state = ConnectionState()
        let id = state.register(.lock(LockContext(statusBlock: LockStatusBlock(), wait: false)))
        state.apply(result(id, lockID: 4))
        state.apply(completion(4, .cancelled, granted: .pr))
        #expect(state.locks[4] != nil)
        state.apply(completion(4, .cancelled, granted: nil))
        #expect(state.locks[4] == nil)
    }

    @Test func waitCompletionIsHandedToTheWaiterNotQueued() {
        var state = ConnectionState()
        let block = LockStatusBlock()
        let id = state.register(.lock(LockContext(statusBlock: block, wait: true)))
        state.apply(result(id, lockID: 9))
        let early = state.takeFinishedWait(id)
        #expect(!early)
        state.apply(completion(9, .timedOut, granted: nil))
        #expect(state.callbacks.isEmpty)
        #expect(block.status == CompletionStatus.timedOut.rawValue)
        let first = state.takeFinishedWait(id)
        let second = state.takeFinishedWait(id)
        #expect(first && !second)
    }

    @Test func noCompletionOutcomeDoesNotArmTheWaiter() {
        var state = ConnectionState()
        let block = LockStatusBlock()
        let id = state.register(.lock(LockContext(statusBlock: block, wait: true)))
        state.apply(result(id, lockID: 5, outcome: .noCompletion))
        #expect(state.locks[5]?.operations.isEmpty == true)
        #expect(block.lockID == 5)
    }

    @Test func callbacksForUnknownLocksAreDropped() {
        var state = ConnectionState()
        state.apply(completion(42, .granted, granted: .ex))
        state.apply(Frame(requestID: 0, message: .blocking(lockID: 42, mode: .ex)))
        #expect(state.callbacks.isEmpty)
    }

    @Test func failureIsSticky() {
        var state = ConnectionState()
        state.fail(.ENOTCONN)
        state.fail(.EPROTO)
        #expect(state.failure == .ENOTCONN)
    }

    @Test func discardAllForgetsLocksAndCallbacks() {
        var state = ConnectionState()
        let id = state.register(.lock(LockContext(statusBlock: LockStatusBlock(), completion: { _ in }, wait: false)))
        state.apply(result(id, lockID: 1))
        state.apply(completion(1, .granted, granted: .ex))
        #expect(!state.locks.isEmpty && !state.callbacks.isEmpty)
        state.discardAll()
        #expect(state.locks.isEmpty && state.callbacks.isEmpty && state.pending.isEmpty)
    }
}
