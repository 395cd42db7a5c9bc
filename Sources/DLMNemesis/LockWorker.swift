// dlmd — DLMNemesis: one client worker: EX on hot resources through the Swift client, a record under
// each lock, every wait bounded.

import DLM
import DLMCore
import Dispatch
import Foundation
import Glibc

/// Monotonic nanoseconds (CLOCK_MONOTONIC: one clock for every thread of the harness).
public func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// How a worker behaves.
public struct WorkerSettings: Sendable {
    /// Longest wait for a grant before the request is cancelled (and for the cancel after that).
    public var operationTimeout: Double = 8
    /// Time spent "working" under each lock, microseconds (random in this range).
    public var holdMicroseconds: ClosedRange<UInt32> = 1_000...5_000
    /// Pause between operations, microseconds.
    public var thinkMicroseconds: ClosedRange<UInt32> = 0...3_000

    public init() {}
}

/// A worker thread's lock loop. Every lock request writes `op` before it is sent and exactly one
/// `done` after (granted, or `error:<why>`); a granted lock writes `hold` before its unlock is sent.
public final class LockWorker: @unchecked Sendable {
    public let id: Int
    public let node: Int
    let socketPath: String
    let lockspaceName: String
    let resources: [String]
    let settings: WorkerSettings
    let history: HistoryLog
    private var random: SplitMix64
    private var handle: Lockspace?
    private var nextOperation = 0
    static let errorBackoffMicroseconds: UInt32 = 20_000

    public init(
        id: Int, node: Int, socketPath: String, lockspace: String, resources: [String], settings: WorkerSettings,
        history: HistoryLog, seed: UInt64
    ) {
        self.id = id
        self.node = node
        self.socketPath = socketPath
        self.lockspaceName = lockspace
        self.resources = resources
        self.settings = settings
        self.history = history
        self.random = SplitMix64(seed: seed)
    }

    /// Takes random resources until `shouldStop()`.
    public func run(shouldStop: () -> Bool) {
        while !shouldStop() {
            let resource = resources[Int.random(in: 0..<resources.count, using: &random)]
            let granted = lockOnce(resource, timeout: settings.operationTimeout)
            // After an error (EAGAIN while the cluster recovers, ENOTCONN while inquorate or the daemon
            // is down) back off a little instead of spinning.
            usleep(UInt32.random(in: settings.thinkMicroseconds, using: &random) + (granted ? 0 : Self.errorBackoffMicroseconds))
        }
    }

    /// The after-healing round: every resource once, each grant within `bound` seconds.
    public func finalRound(bound: Double) {
        for resource in resources {
            let granted = lockOnce(resource, timeout: bound)
            history.append(.final(FinalAttempt(worker: id, node: node, resource: resource, granted: granted)))
        }
        handle?.close()
        handle = nil
    }

    /// One EX request, hold, unlock. Returns whether the lock was granted.
    func lockOnce(_ resource: String, timeout: Double) -> Bool {
        nextOperation += 1
        let operation = nextOperation
        history.append(
            .begin(OperationStart(worker: id, node: node, resource: resource, operation: operation, time: monotonicNanoseconds())))
        let outcome = acquire(resource, timeout: timeout)
        guard case .granted(let block, let signal, let start) = outcome else {
            if case .failed(let why) = outcome { finish(operation, "error:\(why)") }
            return false
        }
        finish(operation, "granted")
        let token = block.fenceToken
        let first = history.fencedWrite(resource, token: token)
        usleep(UInt32.random(in: settings.holdMicroseconds, using: &random))
        let second = history.fencedWrite(resource, token: token)
        let end = monotonicNanoseconds()
        history.append(
            .hold(Hold(worker: id, node: node, resource: resource, token: token, start: start, end: end, accepted: first && second)))
        release(block, signal: signal, timeout: timeout)
        return true
    }

    enum Acquisition {
        case granted(LockStatusBlock, DispatchSemaphore, UInt64)
        case failed(String)
    }

    private func acquire(_ resource: String, timeout: Double) -> Acquisition {
        guard let lockspace = openHandle() else { return .failed("ENOTCONN-open") }
        let block = LockStatusBlock()
        let signal = DispatchSemaphore(value: 0)
        do {
            try lockspace.lock(mode: .ex, statusBlock: block, name: resource, completion: { _ in signal.signal() })
        } catch {
            dropHandle()
            return .failed("\(error)")
        }
        if signal.wait(timeout: .now() + timeout) == .timedOut {
            try? lockspace.unlock(lockID: block.lockID, flags: .cancel)
            if signal.wait(timeout: .now() + timeout) == .timedOut {
                dropHandle()
                return .failed("timeout-abandoned")
            }
        }
        let start = monotonicNanoseconds()
        let status = block.status
        guard status == 0 else { return .failed(CompletionStatus(rawValue: status).map { "\($0)" } ?? "status\(status)") }
        return .granted(block, signal, start)
    }

    private func release(_ block: LockStatusBlock, signal: DispatchSemaphore, timeout: Double) {
        guard let lockspace = handle else { return }
        do {
            try lockspace.unlock(lockID: block.lockID, statusBlock: block)
        } catch {
            dropHandle()
            return
        }
        // An unlock that does not complete in time: closing the handle force-unlocks what remains.
        if signal.wait(timeout: .now() + timeout) == .timedOut { dropHandle() }
    }

    private func finish(_ operation: Int, _ outcome: String) {
        history.append(.end(OperationEnd(worker: id, operation: operation, outcome: outcome, time: monotonicNanoseconds())))
    }

    private func openHandle() -> Lockspace? {
        if let handle { return handle }
        guard let opened = try? DLM.createLockspace(lockspaceName, socketPath: socketPath) else { return nil }
        do {
            try opened.enableFenceTokens()
            try opened.startCallbackThread()
        } catch {
            opened.close()
            return nil
        }
        handle = opened
        return opened
    }

    private func dropHandle() {
        handle?.close()
        handle = nil
    }
}
