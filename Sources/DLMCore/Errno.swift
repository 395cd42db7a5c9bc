// dlmd — DLMCore: error numbers and completion statuses, in libdlm's (positive) convention.

/// An error number as libdlm reports it: the value a C caller finds in `errno` after a call
/// returned -1. Values are Linux x86-64 numbers, fixed so the wire and the C library agree (spec §9.6).
public struct DLMErrno: Error, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let EPERM = DLMErrno(1)
    public static let ENOENT = DLMErrno(2)
    public static let EINTR = DLMErrno(4)
    public static let EIO = DLMErrno(5)
    public static let EAGAIN = DLMErrno(11)
    public static let ENOMEM = DLMErrno(12)
    public static let EACCES = DLMErrno(13)
    public static let ENOTBLK = DLMErrno(15)
    public static let EBUSY = DLMErrno(16)
    public static let EEXIST = DLMErrno(17)
    public static let EINVAL = DLMErrno(22)
    public static let ENOSPC = DLMErrno(28)
    public static let EDEADLK = DLMErrno(35)
    public static let ENAMETOOLONG = DLMErrno(36)
    public static let ENOSYS = DLMErrno(38)
    public static let EBADR = DLMErrno(53)
    public static let EPROTO = DLMErrno(71)
    public static let EOPNOTSUPP = DLMErrno(95)
    public static let ENOTCONN = DLMErrno(107)
    public static let ESHUTDOWN = DLMErrno(108)
    public static let ETIMEDOUT = DLMErrno(110)
    public static let EINPROGRESS = DLMErrno(115)
    /// A cancel completed (`ECANCEL`, 0x10001).
    public static let ECANCEL = DLMErrno(0x10001)
    /// An unlock completed (`EUNLOCK`, 0x10002).
    public static let EUNLOCK = DLMErrno(0x10002)
    /// Status while an operation is pending (`EINPROG`, 0x10003).
    public static let EINPROG = DLMErrno(0x10003)

    public var description: String {
        switch self {
        case .EPERM: return "EPERM"
        case .ENOENT: return "ENOENT"
        case .EAGAIN: return "EAGAIN"
        case .EACCES: return "EACCES"
        case .EBUSY: return "EBUSY"
        case .EEXIST: return "EEXIST"
        case .EINVAL: return "EINVAL"
        case .EDEADLK: return "EDEADLK"
        case .ENOSYS: return "ENOSYS"
        case .EPROTO: return "EPROTO"
        case .ENOTCONN: return "ENOTCONN"
        case .ETIMEDOUT: return "ETIMEDOUT"
        case .ENOSPC: return "ENOSPC"
        case .ECANCEL: return "ECANCEL"
        case .EUNLOCK: return "EUNLOCK"
        case .EINPROG: return "EINPROG"
        default: return "errno(\(rawValue))"
        }
    }
}

/// The final status of a completion callback (`sb_status`, positive as libdlm reports it; spec §4.1).
public enum CompletionStatus: Int32, Sendable, Hashable, CustomStringConvertible {
    /// Granted or converted.
    case granted = 0
    /// NOQUEUE could not grant.
    case wouldBlock = 11
    /// Conversion deadlock (no CONVDEADLK), or a deadlock-cancel.
    case deadlock = 35
    /// LKF_TIMEOUT expired while waiting.
    case timedOut = 110
    /// A cancel completed.
    case cancelled = 0x10001
    /// An unlock completed.
    case unlocked = 0x10002

    public var description: String {
        switch self {
        case .granted: return "0"
        case .wouldBlock: return "EAGAIN"
        case .deadlock: return "EDEADLK"
        case .timedOut: return "ETIMEDOUT"
        case .cancelled: return "ECANCEL"
        case .unlocked: return "EUNLOCK"
        }
    }
}
