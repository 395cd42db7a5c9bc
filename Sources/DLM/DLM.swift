// dlmd — DLM client: the libdlm-shaped entry points (create, open, release) and the re-exported vocabulary.

@_exported import DLMCore
import DLMClientProtocol

/// libdlm's lockspace calls. Every call connects to dlmd's socket: `socketPath` when given, else
/// `$DLMD_SOCKET`, else `/run/dlmd/dlmd.sock` (see `DLMSocketPath`).
///
/// ```swift
/// let ls = try DLM.createLockspace("app", mode: 0o600)
/// let lksb = LockStatusBlock()
/// try ls.lockWait(mode: .ex, statusBlock: lksb, name: "resource")   // lksb.status == 0
/// try ls.unlockWait(lockID: lksb.lockID)                             // lksb.status == EUNLOCK
/// ls.close()
/// ```
public enum DLM {
    /// Creates (or joins) a lockspace and opens it (`dlm_create_lockspace`, i.e. `newLockspace` with no flags).
    /// - Parameters:
    ///   - name: 1...64 bytes.
    ///   - mode: permission bits of the lockspace (0 = 0600).
    ///   - socketPath: overrides the socket path.
    /// - Returns: the opened handle.
    /// - Throws: `DLMErrno`: EPERM without the create privilege, EINVAL for a bad name, ENOENT/ECONNREFUSED
    ///   when dlmd is not running.
    public static func createLockspace(_ name: String, mode: UInt32 = 0o600, socketPath: String? = nil) throws(DLMErrno)
        -> Lockspace
    {
        try newLockspace(name, mode: mode, flags: [], socketPath: socketPath)
    }

    /// Creates (or joins) a lockspace with flags (`dlm_new_lockspace`). An existing lockspace is joined;
    /// only `.newExclusive` makes that an EEXIST error (spec §0). `.timeWarn` is stripped, as libdlm does.
    /// - Parameters:
    ///   - name: 1...64 bytes.
    ///   - mode: permission bits (0 = 0600).
    ///   - flags: `DLM_LSFL_*`.
    ///   - socketPath: overrides the socket path.
    /// - Returns: the opened handle.
    /// - Throws: `DLMErrno`: EEXIST with `.newExclusive`, EINVAL for reserved flags, EPERM, ...
    public static func newLockspace(
        _ name: String, mode: UInt32, flags: LockspaceFlags, socketPath: String? = nil
    ) throws(DLMErrno) -> Lockspace {
        let validName = try LockspaceName(name)
        let request = CreateLockspace(
            flags: flags.subtracting(.timeWarn), mode: mode, valueBlockLength: 0, name: validName.value)
        return try bind(name: validName.value, request: .createLockspace(request), socketPath: socketPath)
    }

    /// Opens an existing lockspace (`dlm_open_lockspace`).
    /// - Parameters:
    ///   - name: the lockspace.
    ///   - socketPath: overrides the socket path.
    /// - Returns: the opened handle.
    /// - Throws: `DLMErrno`: ENOENT when it does not exist on this node, EACCES when its mode excludes the caller.
    public static func openLockspace(_ name: String, socketPath: String? = nil) throws(DLMErrno) -> Lockspace {
        let validName = try LockspaceName(name)
        return try bind(name: validName.value, request: .openLockspace(name: validName.value), socketPath: socketPath)
    }

    /// Releases a lockspace through an open handle (`dlm_release_lockspace`). The handle is closed first,
    /// so its own locks go; then one create reference is dropped.
    /// - Parameters:
    ///   - name: the lockspace's name (must be the handle's).
    ///   - handle: an open handle of it.
    ///   - force: remove it even when other locks or orphans remain.
    /// - Throws: EBUSY when locks remain and `force` is false (the lockspace stays); EINVAL when `name`
    ///   is not the handle's lockspace.
    public static func releaseLockspace(_ name: String, handle: Lockspace, force: Bool) throws(DLMErrno) {
        guard name == handle.name else { throw .EINVAL }
        try handle.release(force: force)
    }

    private static func bind(name: String, request: ClientRequest, socketPath: String?) throws(DLMErrno) -> Lockspace {
        let connection = try Connection.connect(path: DLMSocketPath.resolve(socketPath))
        do {
            try connection.roundTrip(request)
        } catch {
            connection.close()
            throw error
        }
        return Lockspace(name: name, connection: connection)
    }
}
