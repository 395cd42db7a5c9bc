// dlmd — DLMClientProtocol: the requests a client sends to the daemon.

import DLMCore

/// A request from a client (docs/client-protocol.md, "Requests"). Fields keep their wire values;
/// semantic checks (mode range, name length, LVB length) are the daemon's and answer with an errno.
public enum ClientRequest: Sendable, Hashable {
    /// `CREATE_LOCKSPACE`: create or join a lockspace and bind the connection to it.
    case createLockspace(CreateLockspace)
    /// `OPEN_LOCKSPACE`: bind the connection to an existing lockspace.
    case openLockspace(name: String)
    /// `RELEASE_LOCKSPACE`: release the bound lockspace; the daemon closes the connection after the reply.
    case releaseLockspace(force: UInt32)
    /// `RELEASE_BY_NAME`: release a lockspace from an unbound connection (`dlm_tool leave`).
    case releaseByName(force: UInt32, name: String)
    /// `LOCK`: a new lock, or a conversion when the flags contain CONVERT.
    case lock(LockCall)
    /// `UNLOCK`: unlock, cancel or deadlock-cancel.
    case unlock(UnlockCall)
    /// `PURGE`: drop this handle's locks or orphans of a pid.
    case purge(nodeID: UInt32, pid: UInt32)
    /// `QUERY`: an administrative text report.
    case query(kind: QueryKind, name: String)
    /// Admin (root): the operator confirms that departed node `nodeID` is dead (`dlm_tool fence_ack`).
    case fenceAck(nodeID: UInt32)
    /// `FENCE_TOKENS` (dlmd extension): with `enable`, EX/PW grants on this connection are preceded
    /// by a `FENCE_TOKEN` frame.
    case fenceTokens(enable: Bool)
    /// `RECOVERY_EVENTS` (dlmd extension): with `enable`, the lockspace's recovery notifications are
    /// sent to this connection as `RECOVERY_EVENT` frames.
    case recoveryEvents(enable: Bool)

    /// The frame type this request travels in.
    public var messageType: MessageType {
        switch self {
        case .createLockspace: return .createLockspace
        case .openLockspace: return .openLockspace
        case .releaseLockspace: return .releaseLockspace
        case .releaseByName: return .releaseByName
        case .lock: return .lock
        case .unlock: return .unlock
        case .purge: return .purge
        case .query: return .query
        case .fenceAck: return .fenceAck
        case .fenceTokens: return .fenceTokens
        case .recoveryEvents: return .recoveryEvents
        }
    }
}

/// The payload of `CREATE_LOCKSPACE`.
public struct CreateLockspace: Sendable, Hashable {
    /// `DLM_LSFL_*` flags.
    public var flags: LockspaceFlags
    /// Permission bits; 0 means 0600.
    public var mode: UInt32
    /// LVB length; 0 means 32.
    public var valueBlockLength: UInt32
    /// Lockspace name (1...64 bytes, checked by the daemon).
    public var name: String

    public init(flags: LockspaceFlags = [], mode: UInt32 = 0, valueBlockLength: UInt32 = 0, name: String) {
        self.flags = flags
        self.mode = mode
        self.valueBlockLength = valueBlockLength
        self.name = name
    }
}

/// The payload of `LOCK`.
public struct LockCall: Sendable, Hashable {
    /// Requested mode as sent (0...5 is valid; `lockMode` is nil otherwise).
    public var mode: UInt32
    /// `DLM_LKF_*` flags (LKF_WAIT stripped by the client).
    public var flags: LockFlags
    /// The lock to convert (with CONVERT), else 0.
    public var lockID: LockID
    /// Timeout in centiseconds, used with LKF_TIMEOUT.
    public var timeoutCentiseconds: UInt32
    /// Whether the caller registered a blocking callback.
    public var wantsBlockingCallbacks: Bool
    /// Resource name bytes (0...64, checked by the daemon).
    public var name: [UInt8]
    /// The caller's LVB, when sent.
    public var valueBlock: [UInt8]?

    public init(
        mode: UInt32, flags: LockFlags = [], lockID: LockID = 0, timeoutCentiseconds: UInt32 = 0,
        wantsBlockingCallbacks: Bool = false, name: [UInt8], valueBlock: [UInt8]? = nil
    ) {
        self.mode = mode
        self.flags = flags
        self.lockID = lockID
        self.timeoutCentiseconds = timeoutCentiseconds
        self.wantsBlockingCallbacks = wantsBlockingCallbacks
        self.name = name
        self.valueBlock = valueBlock
    }

    /// The requested mode, or nil when `mode` is not a valid lock mode.
    public var lockMode: LockMode? { mode <= 5 ? LockMode(rawValue: Int8(mode)) : nil }
}

/// The payload of `UNLOCK`.
public struct UnlockCall: Sendable, Hashable {
    /// The lock to unlock or cancel.
    public var lockID: LockID
    /// CANCEL, VALBLK, IVVALBLK, FORCEUNLOCK.
    public var flags: LockFlags
    /// `dlm_ls_deadlock_cancel` instead of an unlock.
    public var deadlockCancel: Bool
    /// The caller's LVB, when sent (written back on unlock with VALBLK).
    public var valueBlock: [UInt8]?

    public init(lockID: LockID, flags: LockFlags = [], deadlockCancel: Bool = false, valueBlock: [UInt8]? = nil) {
        self.lockID = lockID
        self.flags = flags
        self.deadlockCancel = deadlockCancel
        self.valueBlock = valueBlock
    }
}

/// The `kind` of a `QUERY`. Unknown kinds decode and are answered with EINVAL by the daemon.
public struct QueryKind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Lockspaces known to the daemon (`dlm_tool ls`).
    public static let ls = QueryKind(rawValue: 1)
    /// Daemon state (`dlm_tool status`).
    public static let status = QueryKind(rawValue: 2)
    /// Full lock state of one lockspace (`dlm_tool lockdebug`).
    public static let lockdebug = QueryKind(rawValue: 3)
    /// Minimal lock list of one lockspace (`dlm_tool lockdump`).
    public static let lockdump = QueryKind(rawValue: 4)
    /// Effective configuration (`dlm_tool dump_config`).
    public static let dumpConfig = QueryKind(rawValue: 5)

    public var description: String {
        switch self {
        case .ls: return "ls"
        case .status: return "status"
        case .lockdebug: return "lockdebug"
        case .lockdump: return "lockdump"
        case .dumpConfig: return "dump_config"
        default: return "kind(\(rawValue))"
        }
    }
}
