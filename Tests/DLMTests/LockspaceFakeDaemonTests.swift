// Tests the Lockspace calls over a real socket against a scripted fake daemon (FakeDaemon, a socketpair
// in this process): what each call writes, request-id matching with concurrent callers answered out of
// order, `_wait` hand-off, dispatch() and exact frame reads (unread callbacks keep the fd readable), the
// callback thread, callbacks met during a `_wait` call, `.noCompletion` outcomes, and a daemon hang-up.

import DLMClientProtocol
import Foundation
import Glibc
import Testing
@testable import DLM

@Suite(.timeLimit(.minutes(1))) struct LockspaceFakeDaemonTests {
    @Test func lockSendsTheRequestAndReturnsAfterResultLeavingTheCompletionUnread() throws {
        let fake = FakeDaemon { request, _ in
            [.result(request.requestID, lockID: 5), .completion(5, .granted, granted: .pw, lvb: [9, 9])]
        }
        let ls = fake.makeLockspace()
        let log = CallLog()
        let block = LockStatusBlock(valueBlock: [UInt8](repeating: 7, count: 32))
        try ls.lock(
            mode: .pw, statusBlock: block, flags: [.valueBlock, .noQueue, .wait], name: "res",
            completion: { log.append("ast \($0.status) \($0.valueBlock!.prefix(3))") })
        #expect(block.lockID == 5)
        #expect(block.isPending)
        #expect(log.all.isEmpty, "the completion runs in dispatch(), not inside lock()")
        #expect(isReadable(ls.fileDescriptor), "the unread COMPLETION keeps the descriptor readable")
        guard case .lock(let call) = fake.requests.first?.message else {
            Issue.record("expected a LOCK request")
            return
        }
        #expect(call.mode == 4 && call.flags == [.valueBlock, .noQueue] && call.name == Array("res".utf8))
        #expect(call.valueBlock == [UInt8](repeating: 7, count: 32) && !call.wantsBlockingCallbacks)
        try ls.dispatch()
        #expect(log.all == ["ast 0 [9, 9, 0]"])
        #expect(block.status == 0)
        #expect(!isReadable(ls.fileDescriptor))
    }

    @Test func concurrentCallersGetTheirOwnRepliesEvenOutOfOrder() throws {
        let held = ConditionLock()
        nonisolated(unsafe) var pendingIDs: [UInt32] = []
        let fake = FakeDaemon { request, daemon in
            held.withLock { pendingIDs.append(request.requestID) }
            let ids = held.withLock { pendingIDs }
            guard ids.count == 2 else { return [] }
            // Answer the later request first; pid tells which caller asked.
            return ids.reversed().map { id in
                let pid = daemon.requests.first { $0.requestID == id }.flatMap { frame -> UInt32? in
                    if case .purge(_, let pid) = frame.message { return pid }
                    return nil
                } ?? 0
                return .result(id, errno: Int32(pid))
            }
        }
        let ls = fake.makeLockspace()
        let outcomes = CallLog()
        let group = DispatchGroup()
        for pid: UInt32 in [11, 12] {
            group.enter()
            Thread {
                do { try ls.purge(nodeID: 0, pid: pid) } catch let error as DLMErrno { outcomes.append("\(pid):\(error.rawValue)") } catch {}
                group.leave()
            }.start()
        }
        #expect(group.wait(timeout: .now() + 10) == .success)
        #expect(outcomes.all.sorted() == ["11:11", "12:12"])
    }

    @Test func lockWaitRunsOtherLocksCallbacksMetWhileWaiting() throws {
        let fake = FakeDaemon { request, _ in
            switch request.message {
            case .lock(let call) where call.name == Array("a".utf8):
                return [.result(request.requestID, lockID: 1)]
            case .lock:
                return [.blocking(1, .ex), .result(request.requestID, lockID: 2), .completion(2, .granted, granted: .ex)]
            default:
                return [.result(request.requestID)]
            }
        }
        let ls = fake.makeLockspace()
        let log = CallLog()
        try ls.lock(
            mode: .pr, statusBlock: LockStatusBlock(), name: "a", completion: { _ in log.append("ast a") },
            blocking: { log.append("bast a \($0)") })
        let block = LockStatusBlock()
        try ls.lockWait(mode: .ex, statusBlock: block, name: "b")
        #expect(block.status == 0 && block.lockID == 2)
        #expect(log.all == ["bast a EX"])
    }

    @Test func unlockWaitWithNoCompletionReturnsStatusZero() throws {
        let fake = FakeDaemon { request, _ in [.result(request.requestID, outcome: .noCompletion)] }
        let ls = fake.makeLockspace()
        let block = LockStatusBlock(lockID: 3)
        block.status = 12345
        try ls.unlockWait(lockID: 3, flags: .cancel, statusBlock: block)
        #expect(block.status == 0)
        guard case .unlock(let call) = fake.requests.first?.message else {
            Issue.record("expected an UNLOCK request")
            return
        }
        #expect(call.lockID == 3 && call.flags == .cancel && !call.deadlockCancel)
    }

    @Test func errnoFromResultIsThrown() throws {
        let fake = FakeDaemon { request, _ in [.result(request.requestID, errno: DLMErrno.EBUSY.rawValue)] }
        let ls = fake.makeLockspace()
        #expect(throws: DLMErrno.EBUSY) { try ls.unlock(lockID: 8) }
    }

    @Test func callbackThreadRunsCallbacksOffTheCallersThread() throws {
        let fake = FakeDaemon { request, _ in [.result(request.requestID, lockID: 4)] }
        let ls = fake.makeLockspace()
        try ls.startCallbackThread()
        #expect(throws: DLMErrno.EEXIST) { try ls.startCallbackThread() }
        let log = CallLog()
        let caller = pthread_self()
        try ls.lock(
            mode: .ex, statusBlock: LockStatusBlock(), name: "t",
            completion: { log.append("ast \($0.status) other-thread \(pthread_equal(caller, pthread_self()) == 0)") },
            blocking: { log.append("bast \($0)") })
        fake.send([.completion(4, .granted, granted: .ex), .blocking(4, .pr)])
        #expect(eventually { log.all.count == 2 })
        #expect(log.all == ["ast 0 other-thread true", "bast PR"])
        ls.close()
    }

    @Test func hangUpFailsAWaitingCallWithENOTCONN() throws {
        let fake = FakeDaemon { request, daemon in
            daemon.hangUp()
            return []
        }
        let ls = fake.makeLockspace()
        #expect(throws: DLMErrno.ENOTCONN) {
            try ls.lockWait(mode: .ex, statusBlock: LockStatusBlock(), name: "gone")
        }
        #expect(throws: DLMErrno.ENOTCONN) { try ls.dispatch() }
    }

    @Test func lockWaitWhileTheCallbackThreadReadsGetsItsCompletionHandedOver() throws {
        let fake = FakeDaemon { request, _ in
            switch request.message {
            case .lock(let call) where call.name == Array("other".utf8):
                return [.result(request.requestID, lockID: 1)]
            case .lock:
                return [.blocking(1, .pr), .result(request.requestID, lockID: 2), .completion(2, .granted, granted: .ex)]
            default:
                return [.result(request.requestID)]
            }
        }
        let ls = fake.makeLockspace()
        defer { ls.close() }
        try ls.startCallbackThread()
        let log = CallLog()
        let caller = pthread_self()
        try ls.lock(
            mode: .cr, statusBlock: LockStatusBlock(), name: "other", completion: nil,
            blocking: { log.append("bast \($0) on callback thread \(pthread_equal(caller, pthread_self()) == 0)") })
        let block = LockStatusBlock()
        try ls.lockWait(mode: .ex, statusBlock: block, name: "mine")
        #expect(block.status == 0 && block.lockID == 2)
        #expect(eventually { log.all == ["bast PR on callback thread true"] }, "\(log.all)")
    }

    @Test func aCallbackMayCallLockWaitOnTheSameHandle() throws {
        let fake = FakeDaemon { request, _ in
            switch request.message {
            case .lock(let call) where call.name == Array("first".utf8):
                return [.result(request.requestID, lockID: 1), .completion(1, .granted, granted: .ex)]
            case .lock:
                return [.result(request.requestID, lockID: 2), .completion(2, .granted, granted: .pr)]
            default:
                return [.result(request.requestID)]
            }
        }
        let ls = fake.makeLockspace()
        defer { ls.close() }
        try ls.startCallbackThread()
        let log = CallLog()
        let nested = LockStatusBlock()
        try ls.lock(
            mode: .ex, statusBlock: LockStatusBlock(), name: "first",
            completion: { _ in
                do {
                    try ls.lockWait(mode: .pr, statusBlock: nested, name: "second")
                    log.append("nested status \(nested.status) lkid \(nested.lockID)")
                } catch {
                    log.append("nested failed \(error)")
                }
            })
        #expect(eventually { log.all == ["nested status 0 lkid 2"] }, "\(log.all)")
    }
}
