// dlmd — DLMCore: every bound of the system, named in one place (units and qualifiers last).

/// The explicit limits of dlmd. Enforced at the API edge and at decode time.
public enum Limits {
    /// Longest resource name, in bytes (`DLM_RESNAME_MAXLEN`).
    public static let resourceNameBytesMax = 64
    /// Longest lockspace name, in bytes (`DLM_LOCKSPACE_LEN`).
    public static let lockspaceNameBytesMax = 64
    /// LVB length of userspace-created lockspaces (`DLM_USER_LVB_LEN`).
    public static let valueBlockBytesDefault = 32
    /// Largest LVB length a lockspace may configure.
    public static let valueBlockBytesMax = 256
    /// Locks one client connection may hold or request at once.
    public static let locksPerClientMax = 1_000_000
    /// Locks one lockspace may hold in total on this node.
    public static let locksPerLockspaceMax = 4_000_000
    /// Lockspaces one node may host.
    public static let lockspacesMax = 1024
    /// Largest client-protocol frame, header included, in bytes.
    public static let clientFrameBytesMax = 4096
    /// Bytes of callbacks queued to a client that does not read, before it is disconnected.
    public static let clientOutputBytesMax = 16 * 1024 * 1024
    /// Largest node-to-node frame, header included, in bytes.
    public static let peerFrameBytesMax = 65536
    /// Timeout unit of `dlm_ls_lockx` (centiseconds) in nanoseconds.
    public static let timeoutUnitNanoseconds: Int64 = 10_000_000
    /// Client calls one lockspace queues while recovery runs (stopped or rebuilding); past this the
    /// call fails with EAGAIN ("recovery queue full").
    public static let recoveryQueuedCallsMax = 65_536
    /// Peer messages a node holds, over all lockspace ids it does not know yet, while it asks the
    /// sender for the lockspace's name (LOCKSPACE_QUERY); beyond it further ones are dropped.
    public static let unknownLockspaceMessagesMax = 4096
}
