// Tests DLMServer end to end over a real Unix socket in a temporary directory: raw-socket clients
// (RawClient) send encoded frames and check RESULT/COMPLETION/BLOCKING frames for contention, LVB
// hand-over, NOQUEUE, convert, cancel, timeouts, disconnects, orphans and purge, and the lock cap.

import DLMClientProtocol
import DLMCore
import DLMServer
import Glibc
import Testing

func lockRequest(
    _ mode: LockMode, _ name: String, flags: LockFlags = [], lockID: LockID = 0, bast: Bool = true,
    lvb: [UInt8]? = nil, timeout: UInt32 = 0
) -> ClientRequest {
    .lock(LockCall(
        mode: UInt32(mode.rawValue), flags: flags, lockID: lockID, timeoutCentiseconds: timeout,
        wantsBlockingCallbacks: bast, name: Array(name.utf8), valueBlock: lvb))
}

@Suite("server locking over a Unix socket", .timeLimit(.minutes(1)))
struct ServerLockingLoopbackTests {
    @Test("contention: holder gets a bast, waiter is granted after the unlock; RESULT precedes callbacks")
    func contention() async throws {
        try await withServer { harness in
            let a = try harness.client()
            let b = try harness.client()
            let aLock = try a.ok(lockRequest(.ex, "r"))
            #expect(try a.completion() == CompletionCallback(lockID: aLock, status: .granted, grantedMode: .ex))
            let bLock = try b.ok(lockRequest(.ex, "r"))
            #expect(try b.isQuiet())
            #expect(try a.nextCallback() == .blocking(lockID: aLock, mode: .ex))
            try a.ok(.unlock(UnlockCall(lockID: aLock)))
            #expect(try a.completion() == CompletionCallback(lockID: aLock, status: .unlocked, grantedMode: nil))
            #expect(try b.completion() == CompletionCallback(lockID: bLock, status: .granted, grantedMode: .ex))
            #expect(try a.isQuiet())
        }
    }

    @Test("LVB written by a PW holder's unlock reaches the next PR reader")
    func valueBlockHandOver() async throws {
        try await withServer { harness in
            let writer = try harness.client()
            let reader = try harness.client()
            let zero = [UInt8](repeating: 0, count: 32)
            let data = (0..<32).map { UInt8($0 * 3) }
            let w = try writer.ok(lockRequest(.pw, "lvb", flags: .valueBlock, lvb: zero))
            #expect(try writer.completion().status == .granted)
            let r = try reader.ok(lockRequest(.pr, "lvb", flags: .valueBlock, lvb: zero))
            #expect(try reader.isQuiet())
            #expect(try writer.nextCallback() == .blocking(lockID: w, mode: .pr))
            try writer.ok(.unlock(UnlockCall(lockID: w, flags: .valueBlock, valueBlock: data)))
            #expect(try writer.completion().status == .unlocked)
            let granted = try reader.completion()
            #expect(granted.lockID == r && granted.status == .granted && granted.valueBlock == data)
            let wrongLength = try reader.call(lockRequest(.cr, "lvb", flags: .valueBlock, lvb: [1, 2, 3]))
            #expect(wrongLength.errno == DLMErrno.EINVAL.rawValue)
        }
    }

    @Test("NOQUEUE against a holder completes with EAGAIN; invalid modes and names are EINVAL")
    func noQueue() async throws {
        try await withServer { harness in
            let a = try harness.client()
            let b = try harness.client()
            try a.ok(lockRequest(.pw, "n"))
            _ = try a.completion()
            let failed = try b.ok(lockRequest(.pr, "n", flags: .noQueue))
            #expect(try b.completion() == CompletionCallback(lockID: failed, status: .wouldBlock, grantedMode: nil))
            #expect(try b.call(.lock(LockCall(mode: 6, name: [1]))).errno == DLMErrno.EINVAL.rawValue)
            #expect(try b.call(lockRequest(.nl, String(repeating: "n", count: 65))).errno == DLMErrno.EINVAL.rawValue)
        }
    }

    @Test("convert PR to EX waits for the other PR holder, then completes at EX")
    func convert() async throws {
        try await withServer { harness in
            let a = try harness.client()
            let b = try harness.client()
            let aLock = try a.ok(lockRequest(.pr, "c"))
            _ = try a.completion()
            let bLock = try b.ok(lockRequest(.pr, "c"))
            _ = try b.completion()
            try a.ok(lockRequest(.ex, "c", flags: .convert, lockID: aLock))
            #expect(try b.nextCallback() == .blocking(lockID: bLock, mode: .ex))
            try b.ok(.unlock(UnlockCall(lockID: bLock)))
            #expect(try b.completion().status == .unlocked)
            #expect(try a.completion() == CompletionCallback(lockID: aLock, status: .granted, grantedMode: .ex))
            let other = try b.call(lockRequest(.nl, "c", flags: .convert, lockID: aLock))
            #expect(other.errno == DLMErrno.ENOENT.rawValue, "another handle's lock id is not convertible")
        }
    }

    @Test("cancel of a waiting request completes with ECANCEL")
    func cancel() async throws {
        try await withServer { harness in
            let a = try harness.client()
            let b = try harness.client()
            try a.ok(lockRequest(.ex, "x"))
            _ = try a.completion()
            let waiting = try b.ok(lockRequest(.ex, "x"))
            try b.ok(.unlock(UnlockCall(lockID: waiting, flags: .cancel)))
            #expect(try b.completion() == CompletionCallback(lockID: waiting, status: .cancelled, grantedMode: nil))
        }
    }

    @Test("LKF_TIMEOUT: a waiting request times out with ETIMEDOUT")
    func timeout() async throws {
        try await withServer { harness in
            let a = try harness.client()
            let b = try harness.client()
            try a.ok(lockRequest(.ex, "t"))
            _ = try a.completion()
            let waiting = try b.ok(lockRequest(.ex, "t", flags: .timeout, timeout: 10))
            let timedOut = try b.completion()
            #expect(timedOut == CompletionCallback(lockID: waiting, status: .timedOut, grantedMode: nil))
        }
    }

    @Test("a holder's disconnect grants the waiter; a waiter's disconnect leaves no trace")
    func disconnects() async throws {
        try await withServer { harness in
            let a = try harness.client()
            let b = try harness.client()
            let c = try harness.client()
            try a.ok(lockRequest(.ex, "d"))
            _ = try a.completion()
            let bLock = try b.ok(lockRequest(.ex, "d"))
            let cLock = try c.ok(lockRequest(.ex, "d"))
            c.disconnect()
            a.disconnect()
            #expect(try b.completion() == CompletionCallback(lockID: bLock, status: .granted, grantedMode: .ex))
            let dump = try b.query(.lockdump, "test")
            #expect(dump.contains("id \(ServerHex.of(bLock)) gr EX"))
            #expect(!dump.contains("id \(ServerHex.of(cLock)) ") || cLock == bLock)
            #expect(dump.split(separator: "\n").count == 1)
        }
    }

    @Test("PERSISTENT lock becomes an orphan on disconnect, can be adopted, and purge releases orphans")
    func orphansAndPurge() async throws {
        try await withServer { harness in
            let a = try harness.client()
            let orphan = try a.ok(lockRequest(.ex, "o", flags: .persistent))
            _ = try a.completion()
            a.disconnect()
            let b = try harness.client()
            let blocked = try b.ok(lockRequest(.ex, "o", flags: .noQueue))
            #expect(try b.completion() == CompletionCallback(lockID: blocked, status: .wouldBlock, grantedMode: nil))
            let adopted = try b.call(lockRequest(.ex, "o", flags: [.orphan, .persistent]))
            #expect(adopted == RequestResult(errno: 0, lockID: orphan, outcome: .noCompletion))
            b.disconnect()
            let c = try harness.client()
            #expect(try c.query(.ls).contains("orphans 1"))
            try c.ok(.purge(nodeID: 0, pid: 0), outcome: .noCompletion)
            #expect(try c.query(.ls).contains("orphans 0"))
            try c.ok(lockRequest(.ex, "o", flags: .noQueue))
            #expect(try c.completion().status == .granted)
        }
    }

    @Test("purge of the caller's own pid drops its locks silently")
    func purgeOwn() async throws {
        try await withServer { harness in
            let a = try harness.client()
            try a.ok(lockRequest(.ex, "p1"))
            try a.ok(lockRequest(.ex, "p2", flags: .persistent))
            _ = try a.completion()
            _ = try a.completion()
            try a.ok(.purge(nodeID: 1, pid: UInt32(getpid())), outcome: .noCompletion)
            #expect(try a.isQuiet())
            #expect(try a.query(.lockdump, "test").isEmpty)
        }
    }

    @Test("the RESULT of a LOCK is the first frame, before its completion")
    func resultFirst() async throws {
        try await withServer { harness in
            let a = try harness.client()
            a.send(lockRequest(.ex, "first"))
            let first = try a.receive()
            #expect(first == ReplyFrame(requestID: 2, message: .result(RequestResult(errno: 0, lockID: 1))))
            let second = try a.receive()
            #expect(second == ReplyFrame(requestID: 0, message: .completion(CompletionCallback(lockID: 1, status: .granted, grantedMode: .ex))))
        }
    }

    @Test("deadlock-cancel of a waiting conversion completes with EDEADLK; VALBLK without an LVB is EINVAL")
    func deadlockCancel() async throws {
        try await withServer { harness in
            let a = try harness.client()
            let b = try harness.client()
            try a.ok(lockRequest(.pr, "dl"))
            _ = try a.completion()
            let bLock = try b.ok(lockRequest(.pr, "dl"))
            _ = try b.completion()
            try b.ok(lockRequest(.ex, "dl", flags: .convert, lockID: bLock))
            try b.ok(.unlock(UnlockCall(lockID: bLock, deadlockCancel: true)))
            #expect(try b.completion() == CompletionCallback(lockID: bLock, status: .deadlock, grantedMode: .pr))
            #expect(try b.call(lockRequest(.cr, "v", flags: .valueBlock)).errno == DLMErrno.EINVAL.rawValue)
        }
    }

    @Test("a lockdebug answer longer than one frame arrives in several QUERY_TEXT chunks")
    func longQuery() async throws {
        try await withServer { harness in
            let a = try harness.client()
            for index in 0..<150 { try a.ok(lockRequest(.nl, "resource-number-\(index)")) }
            for _ in 0..<150 { _ = try a.completion() }
            let id = a.send(.query(kind: .lockdebug, name: "test"))
            var chunks: [String] = []
            while true {
                let frame = try a.receive()
                guard case .queryText(let last, let text) = frame.message, frame.requestID == id else { continue }
                chunks.append(text)
                if last { break }
            }
            #expect(chunks.count > 1)
            let text = chunks.joined()
            #expect((0..<150).allSatisfy { text.contains("\"resource-number-\($0)\"") })
        }
    }

    @Test("the per-client lock cap answers ENOMEM")
    func lockCap() async throws {
        try await withServer(ServiceConfiguration(nodeID: 1, locksPerClientMax: 2)) { harness in
            let a = try harness.client()
            try a.ok(lockRequest(.nl, "1"))
            try a.ok(lockRequest(.nl, "2"))
            #expect(try a.call(lockRequest(.nl, "3")).errno == DLMErrno.ENOMEM.rawValue)
        }
    }
}

enum ServerHex {
    static func of(_ id: LockID) -> String {
        let digits = String(id, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
