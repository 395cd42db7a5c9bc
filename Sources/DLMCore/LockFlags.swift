// dlmd — DLMCore: lock request flags (DLM_LKF_*), status-block flags (DLM_SBF_*), lockspace flags.

/// Flags of a lock, convert or unlock call. Values are the kernel's `DLM_LKF_*` (spec §3).
public struct LockFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let noQueue = LockFlags(rawValue: 0x0000_0001)
    public static let cancel = LockFlags(rawValue: 0x0000_0002)
    public static let convert = LockFlags(rawValue: 0x0000_0004)
    public static let valueBlock = LockFlags(rawValue: 0x0000_0008)
    public static let queueConvert = LockFlags(rawValue: 0x0000_0010)
    public static let invalidateValueBlock = LockFlags(rawValue: 0x0000_0020)
    public static let convertDeadlock = LockFlags(rawValue: 0x0000_0040)
    public static let persistent = LockFlags(rawValue: 0x0000_0080)
    public static let noDeadlockWait = LockFlags(rawValue: 0x0000_0100)
    public static let noDeadlockBlock = LockFlags(rawValue: 0x0000_0200)
    public static let expedite = LockFlags(rawValue: 0x0000_0400)
    public static let noQueueBlockingCallback = LockFlags(rawValue: 0x0000_0800)
    public static let headQueue = LockFlags(rawValue: 0x0000_1000)
    public static let noOrder = LockFlags(rawValue: 0x0000_2000)
    public static let orphan = LockFlags(rawValue: 0x0000_4000)
    public static let alternatePR = LockFlags(rawValue: 0x0000_8000)
    public static let alternateCW = LockFlags(rawValue: 0x0001_0000)
    public static let forceUnlock = LockFlags(rawValue: 0x0002_0000)
    public static let timeout = LockFlags(rawValue: 0x0004_0000)
    /// libdlm only: selects the synchronous path; never reaches the engine.
    public static let wait = LockFlags(rawValue: 0x8000_0000)

    /// The only flags an unlock or cancel may carry (spec §3.1).
    public static let unlockAllowed: LockFlags = [.cancel, .valueBlock, .invalidateValueBlock, .forceUnlock]

    private static let names: [(LockFlags, String)] = [
        (.noQueue, "NOQUEUE"), (.cancel, "CANCEL"), (.convert, "CONVERT"), (.valueBlock, "VALBLK"),
        (.queueConvert, "QUECVT"), (.invalidateValueBlock, "IVVALBLK"), (.convertDeadlock, "CONVDEADLK"),
        (.persistent, "PERSISTENT"), (.noDeadlockWait, "NODLCKWT"), (.noDeadlockBlock, "NODLCKBLK"),
        (.expedite, "EXPEDITE"), (.noQueueBlockingCallback, "NOQUEUEBAST"), (.headQueue, "HEADQUE"),
        (.noOrder, "NOORDER"), (.orphan, "ORPHAN"), (.alternatePR, "ALTPR"), (.alternateCW, "ALTCW"),
        (.forceUnlock, "FORCEUNLOCK"), (.timeout, "TIMEOUT"), (.wait, "WAIT"),
    ]

    public var description: String {
        let parts = LockFlags.names.filter { contains($0.0) }.map(\.1)
        return parts.isEmpty ? "0" : parts.joined(separator: "|")
    }
}

/// Flags reported in a status block after a completion (`DLM_SBF_*`, `sb_flags`).
public struct StatusFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// CONVDEADLK demoted the lock's granted mode to NL.
    public static let demoted = StatusFlags(rawValue: 0x01)
    /// The resource's LVB is invalid.
    public static let valueNotValid = StatusFlags(rawValue: 0x02)
    /// An alternate mode (ALTPR/ALTCW) was granted.
    public static let alternateMode = StatusFlags(rawValue: 0x04)
}

/// Flags of `dlm_new_lockspace` (`DLM_LSFL_*`, spec §7.1).
public struct LockspaceFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Old `DLM_LSFL_NODIR`: masters are static (hash of the name), no directory lookups.
    public static let noDirectory = LockspaceFlags(rawValue: 0x1)
    /// Reserved; libdlm strips it.
    public static let timeWarn = LockspaceFlags(rawValue: 0x2)
    /// Kernel-user (file system) callback mode; accepted and recorded.
    public static let fileSystem = LockspaceFlags(rawValue: 0x4)
    /// Fail with EEXIST when the lockspace already exists on this node.
    public static let newExclusive = LockspaceFlags(rawValue: 0x8)
    /// Reserved (kernel "softirq"); EINVAL for userspace lockspaces.
    public static let reservedSoftIRQ = LockspaceFlags(rawValue: 0x10)

    /// Flags a client may pass to create.
    public static let accepted: LockspaceFlags = [.noDirectory, .timeWarn, .fileSystem, .newExclusive]
}
