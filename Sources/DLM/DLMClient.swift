// dlmd — DLM client: the async/await entry point (`DLMClient.lockspace`) and its lockspace type.

import DLMCore

/// The async/await face of the library.
///
/// ```swift
/// let ls = try await DLMClient.lockspace("app", create: true)
/// let lock = try await ls.lock("inventory", mode: .pw, valueBlock: true)
/// Task { for await mode in lock.blockingNotifications { print("someone wants", mode) } }
/// lock.valueBlock = Array("v2".utf8)
/// try await lock.convert(to: .nl)   // writes the LVB (PW → NL)
/// try await lock.unlock()
/// ls.close()
/// ```
public enum DLMClient {
    /// Opens a lockspace, creating (joining) it first when `create` is true, and starts its callback thread.
    /// - Parameters:
    ///   - name: 1...64 bytes.
    ///   - create: create or join (needs the create privilege) instead of opening an existing one.
    ///   - mode: permission bits when creating (0 = 0600).
    ///   - socketPath: overrides `$DLMD_SOCKET` and the default path.
    /// - Returns: the lockspace.
    /// - Throws: `DLMErrno` as `DLM.createLockspace` / `DLM.openLockspace`.
    public static func lockspace(
        _ name: String, create: Bool = false, mode: UInt32 = 0o600, socketPath: String? = nil
    ) async throws -> AsyncLockspace {
        let handle =
            create
            ? try DLM.createLockspace(name, mode: mode, socketPath: socketPath)
            : try DLM.openLockspace(name, socketPath: socketPath)
        do {
            try handle.startCallbackThread()
        } catch {
            handle.close()
            throw error
        }
        return AsyncLockspace(handle: handle)
    }
}

/// An opened lockspace for async/await code. Callbacks run on the handle's callback thread and resume
/// the awaiting tasks. Calls block their task only until the daemon's RESULT (tens of microseconds);
/// waiting for a grant suspends. Thread-safe.
public final class AsyncLockspace: Sendable {
    /// The underlying libdlm-shaped handle (its callback thread is running).
    public let handle: Lockspace

    init(handle: Lockspace) { self.handle = handle }

    /// The lockspace's name.
    public var name: String { handle.name }

    /// Requests a lock and suspends until it is granted.
    /// - Parameters:
    ///   - name: the resource name (≤ 64 bytes).
    ///   - mode: the mode wanted.
    ///   - flags: extra `DLM_LKF_*` flags (`.noQueue`, `.persistent`, `.expedite` ...).
    ///   - valueBlock: attach a 32-byte LVB buffer (adds `.valueBlock`); read it from `HeldLock.valueBlock`.
    ///   - timeout: give up waiting after this long (LKF_TIMEOUT, centisecond resolution).
    /// - Returns: the granted lock.
    /// - Throws: `DLMErrno`: EAGAIN (NOQUEUE could not grant), ETIMEDOUT, EDEADLK, ECANCEL (the task was
    ///   cancelled while waiting), or a request error such as EINVAL.
    public func lock(
        _ name: String, mode: LockMode, flags: LockFlags = [], valueBlock: Bool = false, timeout: Duration? = nil
    ) async throws -> HeldLock {
        let resource = try ResourceName(name)
        let held = HeldLock(
            lockspace: handle, name: resource,
            block: LockStatusBlock(valueBlock: valueBlock ? [UInt8](repeating: 0, count: Limits.valueBlockBytesDefault) : nil))
        let wanted = valueBlock ? flags.union(.valueBlock) : flags
        try await held.submit(mode: mode, flags: wanted, timeout: timeout)
        return held
    }

    /// The lockspace's recovery notifications from now on (`.prep`, `.slot` per failed member,
    /// `.done`), subscribing on first use; finishes when the lockspace is closed.
    /// See `Lockspace.recoveryEvents()`.
    /// - Throws: `DLMErrno` (ENOTCONN when the connection is gone).
    public func recoveryEvents() throws -> AsyncStream<RecoveryEvent> {
        try handle.recoveryEvents()
    }

    /// Closes the handle: its locks are released by the daemon (persistent ones become orphans).
    public func close() { handle.close() }
}
