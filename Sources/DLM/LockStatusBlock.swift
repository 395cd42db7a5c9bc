// dlmd — DLM client: the lock status block (libdlm's `struct dlm_lksb`), with reference semantics.

import DLMClientProtocol
import DLMCore

/// The status of one lock operation, like libdlm's `struct dlm_lksb`: the library writes it before the
/// completion callback runs (or before a `_wait` call returns) and the caller reads it afterwards.
///
/// A class so that, as in C, the caller keeps the block and the library fills it in place. One block
/// belongs to one lock; reuse it for that lock's converts and unlock.
///
/// ```
///  lock()/unlock() called ──▶ status = EINPROG ──▶ completion arrives ──▶ status = 0 / EAGAIN /
///                                                    (fields filled,       EDEADLK / ETIMEDOUT /
///                                                     then callback)       ECANCEL / EUNLOCK
/// ```
///
/// Thread-safe: every field is guarded by an internal lock.
public final class LockStatusBlock: @unchecked Sendable, CustomStringConvertible {
    private let guardLock = ConditionLock()
    private var storedStatus: Int32
    private var storedLockID: LockID
    private var storedFlags: StatusFlags
    private var storedValueBlock: [UInt8]?
    private var storedFenceToken: UInt64 = 0

    /// Creates a block.
    /// - Parameters:
    ///   - lockID: the lock id, for converts and unlocks of a lock taken with another block (0 otherwise).
    ///   - valueBlock: a buffer for the lock value block (`sb_lvbptr`), usually 32 bytes
    ///     (`Limits.valueBlockBytesDefault`); nil when the lock does not use an LVB.
    public init(lockID: LockID = 0, valueBlock: [UInt8]? = nil) {
        storedStatus = 0
        storedLockID = lockID
        storedFlags = []
        storedValueBlock = valueBlock
    }

    /// `sb_status`: 0, EAGAIN, EDEADLK, ETIMEDOUT, ECANCEL or EUNLOCK after a completion;
    /// `DLMErrno.EINPROG.rawValue` while an operation is pending. Positive, as libdlm reports it.
    public var status: Int32 {
        get { guardLock.withLock { storedStatus } }
        set { guardLock.withLock { storedStatus = newValue } }
    }

    /// `status` as a completion status; nil while pending (EINPROG) or before any operation used the block.
    public var completionStatus: CompletionStatus? { CompletionStatus(rawValue: status) }

    /// Whether an operation on this block is still pending (status EINPROG).
    public var isPending: Bool { status == DLMErrno.EINPROG.rawValue }

    /// `sb_lkid`: the lock id, set as soon as the daemon accepted the request.
    public var lockID: LockID {
        get { guardLock.withLock { storedLockID } }
        set { guardLock.withLock { storedLockID = newValue } }
    }

    /// `sb_flags`: DEMOTED, VALNOTVALID, ALTMODE after a completion.
    public var flags: StatusFlags {
        get { guardLock.withLock { storedFlags } }
        set { guardLock.withLock { storedFlags = newValue } }
    }

    /// The LVB buffer (`sb_lvbptr`): nil for none. Its contents are sent with VALBLK requests and
    /// overwritten when a completion carries an LVB; its length never changes.
    public var valueBlock: [UInt8]? {
        get { guardLock.withLock { storedValueBlock } }
        set { guardLock.withLock { storedValueBlock = newValue } }
    }

    /// The fencing token of the last EX or PW grant this block received (dlmd extension): a number
    /// that grows with every EX/PW grant of the resource, cluster-wide and across remastering and
    /// recovery (docs/cluster.md). 0 before such a grant, and on handles that did not call
    /// `Lockspace.enableFenceTokens()`.
    public var fenceToken: UInt64 {
        get { guardLock.withLock { storedFenceToken } }
        set { guardLock.withLock { storedFenceToken = newValue } }
    }

    /// Marks the block pending before a request is sent (libdlm writes EINPROG the same way).
    func markPending() {
        guardLock.withLock { storedStatus = DLMErrno.EINPROG.rawValue }
    }

    /// Fills the block from a completion, as libdlm does before calling the AST (spec §4.2).
    /// The LVB is copied only when the block has a buffer and the completion carries one; the copy keeps
    /// the buffer's length (truncated or zero-padded).
    func apply(_ completion: CompletionCallback) {
        guardLock.withLock {
            storedStatus = completion.status.rawValue
            storedLockID = completion.lockID
            storedFlags = completion.flags
            if let incoming = completion.valueBlock, let buffer = storedValueBlock {
                storedValueBlock = ValueBlock(bytes: incoming, length: buffer.count).bytes
            }
        }
    }

    /// A one-line summary: `status 0 lkid 0x00000001 flags 0x00`.
    public var description: String {
        let lockID = lockID
        let hex = String(lockID, radix: 16)
        return "status \(status) lkid 0x\(String(repeating: "0", count: max(0, 8 - hex.count)) + hex) flags 0x\(String(flags.rawValue, radix: 16))"
    }
}
