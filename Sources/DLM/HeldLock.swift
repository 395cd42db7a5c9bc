// dlmd — DLM client: a granted lock in the async/await API, with convert, unlock, LVB and basts.

import DLMCore

/// Resumes the one task waiting for a lock's next completion. Completions with nobody waiting are ignored.
/// Armed before the request is sent, so a completion can never arrive before its waiter; the connection's
/// failure also fires it (ENOTCONN), so an awaiting task never outlives its connection.
final class CompletionSlot: @unchecked Sendable {
    private let guardLock = ConditionLock()
    private var waiter: CheckedContinuation<Int32, Error>?

    func arm(_ continuation: CheckedContinuation<Int32, Error>) {
        guardLock.withLock { waiter = continuation }
    }

    /// Resumes the waiter with a status; returns whether there was one.
    @discardableResult
    func fire(_ result: Result<Int32, Error>) -> Bool {
        let continuation: CheckedContinuation<Int32, Error>? = guardLock.withLock {
            defer { waiter = nil }
            return waiter
        }
        continuation?.resume(with: result)
        return continuation != nil
    }
}

/// A lock held through `AsyncLockspace.lock`. Convert it, unlock it, read or write its LVB, and
/// listen for basts on `blockingNotifications`.
///
/// ```
///  lock() ──▶ granted(mode) ──convert(to:)──▶ granted(new mode)   (a failed convert keeps the old mode)
///                 └──────────────unlock()──────────▶ unlocked (blockingNotifications finishes)
/// ```
/// One operation at a time: a second `convert`/`unlock` while one is outstanding is EBUSY (spec §5.4).
public final class HeldLock: @unchecked Sendable {
    /// The lock's id (`sb_lkid`).
    public var lockID: LockID { block.lockID }
    /// The resource name.
    public let name: ResourceName
    /// Modes another lock waits for, as blocking callbacks (basts) arrive; finishes after `unlock()`.
    /// Keeps the newest 16 notifications when nobody listens.
    public let blockingNotifications: AsyncStream<LockMode>

    let lockspace: Lockspace
    let block: LockStatusBlock
    private let slot = CompletionSlot()
    private let notify: AsyncStream<LockMode>.Continuation
    private let guardLock = ConditionLock()
    private var grantedMode: LockMode = .nl
    private let failureToken: UInt64?

    init(lockspace: Lockspace, name: ResourceName, block: LockStatusBlock) {
        self.lockspace = lockspace
        self.name = name
        self.block = block
        let (stream, notify) = AsyncStream<LockMode>.makeStream(bufferingPolicy: .bufferingNewest(16))
        (blockingNotifications, self.notify) = (stream, notify)
        failureToken = lockspace.connection.observeFailure { [slot] error in
            slot.fire(.failure(error))
            notify.finish()
        }
    }

    deinit {
        if let failureToken { lockspace.connection.stopObservingFailure(failureToken) }
    }

    /// The mode currently granted.
    public var mode: LockMode { guardLock.withLock { grantedMode } }

    /// `sb_flags` of the last completion (VALNOTVALID, DEMOTED, ALTMODE).
    public var statusFlags: StatusFlags { block.flags }

    /// The LVB (32 bytes) when the lock was taken with `valueBlock: true`, else nil. Holds what the last
    /// grant read; set it before a convert down from PW/EX or an `unlock(writingValueBlock:)` to write it.
    public var valueBlock: [UInt8]? {
        get { block.valueBlock }
        set {
            guard block.valueBlock != nil, let newValue else { return }
            block.valueBlock = ValueBlock(bytes: newValue, length: Limits.valueBlockBytesDefault).bytes
        }
    }

    /// Converts the lock and suspends until the conversion completes.
    /// - Parameters:
    ///   - mode: the new mode.
    ///   - flags: extra flags (`.noQueue`, `.queueConvert`, `.convertDeadlock` ...); `.convert` is added, and
    ///     `.valueBlock` when the lock has an LVB.
    ///   - timeout: give up waiting after this long.
    /// - Throws: `DLMErrno`: EAGAIN, EDEADLK, ETIMEDOUT, ECANCEL (the lock keeps its previous mode), EBUSY.
    public func convert(to mode: LockMode, flags: LockFlags = [], timeout: Duration? = nil) async throws {
        var wanted = flags.union(.convert)
        if block.valueBlock != nil { wanted.insert(.valueBlock) }
        try await submit(mode: mode, flags: wanted, timeout: timeout)
    }

    /// Unlocks and suspends until the daemon confirms (EUNLOCK).
    /// - Parameter writingValueBlock: write `valueBlock` to the resource (only a PW/EX holder's write counts).
    /// - Throws: `DLMErrno` from the unlock (ENOENT when already gone, EBUSY while another operation runs).
    public func unlock(writingValueBlock: Bool = false) async throws {
        let flags: LockFlags = writingValueBlock && block.valueBlock != nil ? .valueBlock : []
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, Error>) in
            slot.arm(continuation)
            do {
                try lockspace.unlock(lockID: lockID, flags: flags)
            } catch {
                slot.fire(.failure(error))
            }
        }
        notify.finish()
        guard status == DLMErrno.EUNLOCK.rawValue else { throw DLMErrno(status) }
    }

    /// Sends a request or conversion and waits for its completion; a cancelled task cancels the wait.
    func submit(mode: LockMode, flags: LockFlags, timeout: Duration?) async throws {
        let centiseconds = timeout.map { HeldLock.centiseconds($0) } ?? 0
        let status = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, Error>) in
                slot.arm(continuation)
                do {
                    try lockspace.lockx(
                        mode: mode, statusBlock: block, flags: flags, name: name, timeoutCentiseconds: centiseconds,
                        completion: { [slot] finished in slot.fire(.success(finished.status)) },
                        blocking: { [notify] wanted in notify.yield(wanted) })
                } catch {
                    slot.fire(.failure(error))
                }
            }
        } onCancel: {
            let pending = block.lockID
            if pending != 0 { try? lockspace.unlock(lockID: pending, flags: .cancel) }
        }
        guard status == 0 else {
            if !flags.contains(.convert) { notify.finish() }
            throw DLMErrno(status)
        }
        guardLock.withLock { grantedMode = mode }
    }

    /// A timeout in whole centiseconds, at least 1 for any positive duration.
    static func centiseconds(_ duration: Duration) -> UInt32 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, duration > .zero else { return 0 }
        let total = seconds * 100 + (attoseconds + 9_999_999_999_999_999) / 10_000_000_000_000_000
        return UInt32(clamping: max(1, total))
    }
}
