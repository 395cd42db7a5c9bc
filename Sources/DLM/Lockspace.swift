// dlmd — DLM client: an opened lockspace handle and its libdlm-shaped calls (dlm_ls_*).

import DLMClientProtocol
import DLMCore

/// An opened lockspace (libdlm's `dlm_lshandle_t`): one connection to dlmd.
///
/// Calls mirror libdlm one to one (spec §11.2): `lock` ≙ `dlm_ls_lock`, `lockWait` ≙ `dlm_ls_lock_wait`,
/// `unlock` ≙ `dlm_ls_unlock`, `fileDescriptor` ≙ `dlm_ls_get_fd`, `dispatch` ≙ `dlm_dispatch`,
/// `startCallbackThread` ≙ `dlm_ls_pthread_init`, `close` ≙ `dlm_close_lockspace`.
///
/// Callbacks run either in the thread that calls `dispatch()` (poll `fileDescriptor` first), in the
/// library's callback thread after `startCallbackThread()`, or — when no callback thread runs — inside a
/// synchronous call (`lockWait`, `unlockWait`, and while `lock`/`unlock` wait for the daemon's RESULT)
/// for callbacks that call happened to read. Callbacks may call the library again.
///
/// Closing the handle releases its non-persistent locks (persistent ones become orphans) and
/// discards undelivered callbacks. Thread-safe.
public final class Lockspace: @unchecked Sendable {
    /// The lockspace's name.
    public let name: String
    let connection: Connection

    init(name: String, connection: Connection) {
        self.name = name
        self.connection = connection
    }

    deinit { connection.close() }

    /// The connection's descriptor (`dlm_ls_get_fd`): readable when callbacks are waiting; then call `dispatch()`.
    public var fileDescriptor: Int32 { connection.socket.fd }

    // MARK: - Lock and convert

    /// Requests or converts a lock without waiting for the grant (`dlm_ls_lock`).
    ///
    /// Returns once the daemon accepted the request, so `statusBlock.lockID` is known; the outcome
    /// (granted, EAGAIN, EDEADLK, ETIMEDOUT, ECANCEL ...) arrives later through `completion`, with
    /// `statusBlock` filled first. With `.convert`, converts the lock `statusBlock.lockID`.
    /// - Parameters:
    ///   - mode: the requested mode.
    ///   - statusBlock: filled when the operation completes; `status` is EINPROG until then. Its
    ///     `valueBlock` is sent with `.valueBlock` and receives the LVB the grant reads.
    ///   - flags: `DLM_LKF_*` flags (`.wait` is ignored; use `lockWait`).
    ///   - name: the resource name.
    ///   - completion: the completion callback (AST).
    ///   - blocking: the blocking callback (bast), told the mode another lock waits for.
    /// - Throws: `DLMErrno` as libdlm sets errno (EINVAL for bad flags or modes, ENOENT for an unknown lock id ...).
    public func lock(
        mode: LockMode, statusBlock: LockStatusBlock, flags: LockFlags = [], name: ResourceName,
        completion: CompletionHandler?, blocking: BlockingHandler? = nil
    ) throws(DLMErrno) {
        _ = try submitLock(
            mode: mode, statusBlock: statusBlock, flags: flags, name: name, timeoutCentiseconds: 0,
            completion: completion, blocking: blocking, wait: false)
    }

    /// `lock(mode:statusBlock:flags:name:completion:blocking:)` with a UTF-8 resource name.
    /// - Throws: EINVAL when the name is longer than 64 bytes; otherwise as the `ResourceName` variant.
    public func lock(
        mode: LockMode, statusBlock: LockStatusBlock, flags: LockFlags = [], name: String,
        completion: CompletionHandler?, blocking: BlockingHandler? = nil
    ) throws(DLMErrno) {
        try lock(
            mode: mode, statusBlock: statusBlock, flags: flags, name: try ResourceName(name),
            completion: completion, blocking: blocking)
    }

    /// `lock` with a timeout (`dlm_ls_lockx`): unlike libdlm the timeout is honoured (sent with
    /// LKF_TIMEOUT); on expiry the completion reports ETIMEDOUT. A timeout of 0 sends none.
    /// - Parameters:
    ///   - timeoutCentiseconds: how long the request may wait, in hundredths of a second.
    ///   - the others: as in `lock`.
    /// - Throws: as `lock`.
    public func lockx(
        mode: LockMode, statusBlock: LockStatusBlock, flags: LockFlags = [], name: ResourceName,
        timeoutCentiseconds: UInt32, completion: CompletionHandler?, blocking: BlockingHandler? = nil
    ) throws(DLMErrno) {
        let timed = timeoutCentiseconds > 0 ? flags.union(.timeout) : flags
        _ = try submitLock(
            mode: mode, statusBlock: statusBlock, flags: timed, name: name, timeoutCentiseconds: timeoutCentiseconds,
            completion: completion, blocking: blocking, wait: false)
    }

    /// Requests or converts a lock and waits for its completion (`dlm_ls_lock_wait`).
    ///
    /// On return `statusBlock` holds the final status (0, EAGAIN, EDEADLK, ETIMEDOUT, ECANCEL). When no
    /// completion will come (an orphan was adopted) it returns at once with status 0.
    /// - Parameters: as in `lock`, plus an optional `timeoutCentiseconds` (sent with LKF_TIMEOUT when > 0).
    /// - Throws: as `lock`; ENOTCONN if the daemon went away while waiting.
    public func lockWait(
        mode: LockMode, statusBlock: LockStatusBlock, flags: LockFlags = [], name: ResourceName,
        timeoutCentiseconds: UInt32 = 0, blocking: BlockingHandler? = nil
    ) throws(DLMErrno) {
        let timed = timeoutCentiseconds > 0 ? flags.union(.timeout) : flags
        let (requestID, result) = try submitLock(
            mode: mode, statusBlock: statusBlock, flags: timed, name: name, timeoutCentiseconds: timeoutCentiseconds,
            completion: nil, blocking: blocking, wait: true)
        guard result.outcome == .completionFollows else {
            statusBlock.status = 0
            return
        }
        try connection.awaitCompletion(of: requestID)
    }

    /// `lockWait` with a UTF-8 resource name.
    /// - Throws: EINVAL when the name is longer than 64 bytes; otherwise as the `ResourceName` variant.
    public func lockWait(
        mode: LockMode, statusBlock: LockStatusBlock, flags: LockFlags = [], name: String,
        timeoutCentiseconds: UInt32 = 0, blocking: BlockingHandler? = nil
    ) throws(DLMErrno) {
        try lockWait(
            mode: mode, statusBlock: statusBlock, flags: flags, name: try ResourceName(name),
            timeoutCentiseconds: timeoutCentiseconds, blocking: blocking)
    }

    private func submitLock(
        mode: LockMode, statusBlock: LockStatusBlock, flags: LockFlags, name: ResourceName, timeoutCentiseconds: UInt32,
        completion: CompletionHandler?, blocking: BlockingHandler?, wait: Bool
    ) throws(DLMErrno) -> (requestID: UInt32, result: RequestResult) {
        let sent = flags.subtracting(.wait)
        let call = LockCall(
            mode: UInt32(mode.rawValue), flags: sent, lockID: sent.contains(.convert) ? statusBlock.lockID : 0,
            timeoutCentiseconds: timeoutCentiseconds, wantsBlockingCallbacks: blocking != nil, name: name.bytes,
            valueBlock: sent.contains(.valueBlock) ? Lockspace.wireValueBlock(statusBlock.valueBlock) : nil)
        let context = LockContext(
            statusBlock: statusBlock, completion: completion, blocking: blocking, wait: wait, convert: sent.contains(.convert))
        statusBlock.markPending()
        return try connection.exchange(.lock(call), as: .lock(context))
    }

    /// The LVB as sent: the buffer padded or cut to the userspace LVB length.
    static func wireValueBlock(_ buffer: [UInt8]?) -> [UInt8]? {
        buffer.map { ValueBlock(bytes: $0, length: Limits.valueBlockBytesDefault).bytes }
    }
}
