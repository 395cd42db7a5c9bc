// Tests many threads calling lockWait/unlockWait on ONE lockspace handle at once against the real dlmd,
// each on its own resources, so that dlmd reuses freed lock ids constantly: every lockWait must return
// status 0 with a lock id, every unlockWait EUNLOCK, and nothing may hang. Runs with and without the
// callback thread, and the 16 handles × 16 threads shape of the `pipelined` benchmark. Threads are
// plain pthreads (Foundation `Thread`); the whole run is bounded: on overrun the handles are closed,
// which makes every blocked call throw ENOTCONN, and the test fails.

import Foundation
import Glibc
import Testing
@testable import DLM

/// Counts what the worker threads saw (thread-safe).
private final class Tally: @unchecked Sendable {
    private let lock = ConditionLock()
    private var errors: [String] = []
    private var pairs = 0
    private var running = 0

    func started() { lock.withLock { running += 1 } }
    func finished() { lock.withLock { running -= 1; lock.broadcast() } }
    func pair() { lock.withLock { pairs += 1 } }
    func error(_ text: String) { lock.withLock { if errors.count < 10 { errors.append(text) } } }
    var summary: (pairs: Int, errors: [String]) { lock.withLock { (pairs, errors) } }

    /// Waits until every worker finished or `seconds` passed; returns whether they all finished.
    func waitAll(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if lock.withLock({ running == 0 }) { return true }
            usleep(2000)
        }
        return false
    }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct ConcurrentWaitIntegrationTests {
    /// Runs `threads` workers per handle, each doing `pairs` EX lockWait/unlockWait pairs on fresh names.
    private func run(handles: Int, threads: Int, pairs: Int, callbackThread: Bool) throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        var opened: [Lockspace] = []
        for _ in 0..<handles {
            let handle = try DLM.createLockspace("mt", socketPath: daemon.socketPath)
            if callbackThread { try handle.startCallbackThread() }
            opened.append(handle)
        }
        defer { for handle in opened { handle.close() } }
        let tally = Tally()
        for (h, handle) in opened.enumerated() {
            for t in 0..<threads {
                tally.started()
                let thread = Thread {
                    defer { tally.finished() }
                    Self.work(handle: handle, prefix: "r\(h).\(t).", pairs: pairs, tally: tally)
                }
                thread.start()
            }
        }
        let finished = tally.waitAll(seconds: 30)
        if !finished {
            for handle in opened { handle.close() }
            _ = tally.waitAll(seconds: 5)
        }
        let (done, errors) = tally.summary
        #expect(finished, "workers hung: \(done) pairs done")
        #expect(errors.isEmpty, "\(errors)")
        #expect(done == handles * threads * pairs)
    }

    private static func work(handle: Lockspace, prefix: String, pairs: Int, tally: Tally) {
        let block = LockStatusBlock()
        for index in 0..<pairs {
            do {
                try handle.lockWait(mode: .ex, statusBlock: block, name: prefix + String(index))
                guard block.status == 0, block.lockID != 0 else {
                    tally.error("lock \(prefix)\(index): \(block)")
                    return
                }
                try handle.unlockWait(lockID: block.lockID, statusBlock: block)
                guard block.status == DLMErrno.EUNLOCK.rawValue else {
                    tally.error("unlock \(prefix)\(index): \(block)")
                    return
                }
                tally.pair()
            } catch {
                tally.error("\(prefix)\(index) threw \(error)")
                return
            }
        }
    }

    @Test func eightThreadsOnOneHandle() throws {
        try run(handles: 1, threads: 8, pairs: 300, callbackThread: false)
    }

    @Test func eightThreadsOnOneHandleWithCallbackThread() throws {
        try run(handles: 1, threads: 8, pairs: 300, callbackThread: true)
    }

    @Test func sixteenHandlesBySixteenThreads() throws {
        try run(handles: 16, threads: 16, pairs: 20, callbackThread: false)
    }
}
