// dlmd — DLM client: the default lockspace ("default") and the calls that use it (dlm_lock, dlm_unlock ...).

import DLMCore

/// Holds the process's default lockspace handle.
private final class DefaultLockspaceHolder: @unchecked Sendable {
    let guardLock = ConditionLock()
    var handle: Lockspace?
}

private let defaultHolder = DefaultLockspaceHolder()

extension DLM {
    /// The default lockspace's name.
    public static let defaultLockspaceName = "default"

    /// The default lockspace, opened — or created with mode 0600 — on first use (spec §7.3).
    /// - Throws: `DLMErrno` from open/create (EPERM when it does not exist and the caller may not create it).
    public static func defaultLockspace() throws(DLMErrno) -> Lockspace {
        defaultHolder.guardLock.lock()
        defer { defaultHolder.guardLock.unlock() }
        if let handle = defaultHolder.handle { return handle }
        let handle: Lockspace
        do {
            handle = try openLockspace(defaultLockspaceName)
        } catch where error == .ENOENT {
            handle = try createLockspace(defaultLockspaceName, mode: 0o600)
        }
        defaultHolder.handle = handle
        return handle
    }

    /// The default lockspace if it was opened, else ENOTCONN (as `dlm_unlock` without a prior lock).
    private static func openedDefault() throws(DLMErrno) -> Lockspace {
        guard let handle = defaultHolder.guardLock.withLock({ defaultHolder.handle }) else { throw .ENOTCONN }
        return handle
    }

    /// `dlm_lock`: `Lockspace.lock` in the default lockspace.
    /// - Throws: as `Lockspace.lock`, or as `defaultLockspace()`.
    public static func lock(
        mode: LockMode, statusBlock: LockStatusBlock, flags: LockFlags = [], name: ResourceName,
        completion: CompletionHandler?, blocking: BlockingHandler? = nil
    ) throws(DLMErrno) {
        try defaultLockspace().lock(
            mode: mode, statusBlock: statusBlock, flags: flags, name: name, completion: completion, blocking: blocking)
    }

    /// `dlm_lock_wait`: `Lockspace.lockWait` in the default lockspace.
    /// - Throws: as `Lockspace.lockWait`, or as `defaultLockspace()`.
    public static func lockWait(
        mode: LockMode, statusBlock: LockStatusBlock, flags: LockFlags = [], name: ResourceName,
        blocking: BlockingHandler? = nil
    ) throws(DLMErrno) {
        try defaultLockspace().lockWait(mode: mode, statusBlock: statusBlock, flags: flags, name: name, blocking: blocking)
    }

    /// `dlm_unlock`: `Lockspace.unlock` in the default lockspace.
    /// - Throws: ENOTCONN when the default lockspace was never opened; else as `Lockspace.unlock`.
    public static func unlock(lockID: LockID, flags: LockFlags = [], statusBlock: LockStatusBlock? = nil) throws(DLMErrno) {
        try openedDefault().unlock(lockID: lockID, flags: flags, statusBlock: statusBlock)
    }

    /// `dlm_unlock_wait`: `Lockspace.unlockWait` in the default lockspace.
    /// - Throws: ENOTCONN when the default lockspace was never opened; else as `Lockspace.unlockWait`.
    public static func unlockWait(lockID: LockID, flags: LockFlags = [], statusBlock: LockStatusBlock? = nil) throws(DLMErrno) {
        try openedDefault().unlockWait(lockID: lockID, flags: flags, statusBlock: statusBlock)
    }

    /// `dlm_get_fd`: the default lockspace's descriptor (opening or creating it).
    /// - Throws: as `defaultLockspace()`.
    public static func fileDescriptor() throws(DLMErrno) -> Int32 {
        try defaultLockspace().fileDescriptor
    }

    /// `dlm_dispatch` for the default lockspace: runs its pending callbacks in this thread.
    /// - Throws: ENOTCONN when the default lockspace was never opened or its connection broke.
    public static func dispatch() throws(DLMErrno) {
        try openedDefault().dispatch()
    }

    /// `dlm_pthread_init`: starts the callback thread of the default lockspace (opening or creating it).
    /// - Throws: EEXIST when it already runs; as `defaultLockspace()`.
    public static func startCallbackThread() throws(DLMErrno) {
        try defaultLockspace().startCallbackThread()
    }

    /// `dlm_pthread_cleanup`: stops the default lockspace's callback thread and closes the handle.
    public static func cleanupDefaultLockspace() {
        let handle: Lockspace? = defaultHolder.guardLock.withLock {
            defer { defaultHolder.handle = nil }
            return defaultHolder.handle
        }
        handle?.close()
    }
}
