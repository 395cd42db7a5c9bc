// Tests the async/await API (AsyncLockspace, HeldLock) against the scripted fake daemon: grant, bast
// delivery on `blockingNotifications`, convert with the LVB, a failed NOQUEUE request, unlock finishing
// the stream, and the timeout's conversion to centiseconds. The fake answers every LOCK with a RESULT
// and a COMPLETION; the callback thread resumes the awaiting task. Every await is bounded by the fake's
// deadline (a hang-up turns into ENOTCONN, which also resumes a task awaiting a completion).

import DLMClientProtocol
import Foundation
import Testing
@testable import DLM

@Suite(.timeLimit(.minutes(1))) struct AsyncAPIFakeDaemonTests {
    /// A fake that grants every request (EAGAIN for NOQUEUE on resource "busy") and confirms unlocks.
    private func grantingDaemon() -> FakeDaemon {
        FakeDaemon { request, _ in
            switch request.message {
            case .lock(let call) where call.name == Array("busy".utf8):
                return [.result(request.requestID, lockID: 2), .completion(2, .wouldBlock, granted: nil)]
            case .lock(let call):
                let lvb = call.flags.contains(.valueBlock) ? [UInt8](repeating: 0xAB, count: 32) : nil
                return [
                    .result(request.requestID, lockID: 1),
                    .completion(1, .granted, granted: call.lockMode, lvb: lvb),
                ]
            case .unlock(let call):
                return [.result(request.requestID), .completion(call.lockID, .unlocked, granted: nil)]
            default:
                return [.result(request.requestID)]
            }
        }
    }

    private func openAsync(_ fake: FakeDaemon) throws -> AsyncLockspace {
        let handle = fake.makeLockspace()
        try handle.startCallbackThread()
        return AsyncLockspace(handle: handle)
    }

    @Test func lockConvertUnlockAndBlockingNotifications() async throws {
        let fake = grantingDaemon()
        let ls = try openAsync(fake)
        defer { ls.close() }
        let lock = try await ls.lock("res", mode: .pw, valueBlock: true)
        #expect(lock.lockID == 1 && lock.mode == .pw)
        #expect(lock.valueBlock == [UInt8](repeating: 0xAB, count: 32))
        fake.send([.blocking(1, .ex)])
        var iterator = lock.blockingNotifications.makeAsyncIterator()
        let wanted = await iterator.next()
        #expect(wanted == .ex)
        lock.valueBlock = Array("v2".utf8)
        try await lock.convert(to: .nl)
        #expect(lock.mode == .nl)
        guard case .lock(let convert) = fake.requests.last?.message else {
            Issue.record("expected a convert LOCK")
            return
        }
        #expect(convert.flags.contains(.convert) && convert.flags.contains(.valueBlock) && convert.lockID == 1)
        #expect(convert.valueBlock?.prefix(3) == [0x76, 0x32, 0])
        try await lock.unlock()
        let end = await iterator.next()
        #expect(end == nil, "unlock finishes the notification stream")
    }

    @Test func noQueueFailureThrowsEAGAIN() async throws {
        let fake = grantingDaemon()
        let ls = try openAsync(fake)
        defer { ls.close() }
        await #expect(throws: DLMErrno.EAGAIN) {
            _ = try await ls.lock("busy", mode: .ex, flags: .noQueue)
        }
    }

    @Test func requestErrorsAreThrown() async throws {
        let fake = FakeDaemon { request, _ in [.result(request.requestID, errno: DLMErrno.EINVAL.rawValue)] }
        let ls = try openAsync(fake)
        defer { ls.close() }
        await #expect(throws: DLMErrno.EINVAL) {
            _ = try await ls.lock("x", mode: .ex)
        }
    }

    /// The daemon accepts the request (RESULT) and then goes away before the COMPLETION: the awaiting task
    /// resumes with ENOTCONN instead of staying suspended for ever.
    @Test func daemonGoingAwayResumesTheAwaitingTask() async throws {
        let fake = FakeDaemon { request, _ in [.result(request.requestID, lockID: 1)] }
        let ls = try openAsync(fake)
        defer { ls.close() }
        let waiter = Task { try await ls.lock("never", mode: .ex) }
        while fake.requests.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        fake.hangUp()
        await #expect(throws: DLMErrno.ENOTCONN) { _ = try await waiter.value }
    }

    @Test(arguments: [
        (Duration.milliseconds(10), UInt32(1)), (.milliseconds(15), 2), (.seconds(2), 200), (.nanoseconds(1), 1), (.zero, 0),
    ])
    func timeoutsRoundUpToCentiseconds(duration: Duration, expected: UInt32) {
        #expect(HeldLock.centiseconds(duration) == expected)
    }
}
