// dlmd — DLMEngine: the values the engine hands back instead of calling out.

import DLMCore

/// Something the engine decided that the caller must deliver: a completion or a blocking callback.
/// The engine never calls out; the single-node server routes effects to client handles, the cluster
/// layer turns those of remote-owned locks into GRANT/BAST messages.
public enum EngineEffect: Sendable, Equatable {
    case completion(Completion)
    case blocking(BlockingNotice)
}

/// A completion callback (an AST): the final status of one lock, convert, unlock or cancel.
public struct Completion: Sendable, Equatable {
    /// The lock it is for.
    public var lockID: LockID
    /// Who must receive it.
    public var owner: LockOwner
    /// `sb_status`.
    public var status: CompletionStatus
    /// `sb_flags` (DEMOTED, VALNOTVALID, ALTMODE).
    public var flags: StatusFlags
    /// The mode the lock holds after this completion; nil when the lock is gone (unlocked, or a
    /// new request that failed or was cancelled).
    public var grantedMode: LockMode?
    /// The LVB to copy into the caller's buffer, when this completion reads it (§1.4 R cells;
    /// zeros when the resource has no LVB). nil when nothing is copied.
    public var valueBlock: ValueBlock?
    /// The fencing token of an EX/PW grant (set by `DLMNode`, docs/cluster.md); 0 = none. The
    /// engine itself always leaves it 0.
    public var fenceToken: UInt64

    public init(
        lockID: LockID, owner: LockOwner, status: CompletionStatus, flags: StatusFlags,
        grantedMode: LockMode?, valueBlock: ValueBlock?, fenceToken: UInt64 = 0
    ) {
        self.lockID = lockID
        self.owner = owner
        self.status = status
        self.flags = flags
        self.grantedMode = grantedMode
        self.valueBlock = valueBlock
        self.fenceToken = fenceToken
    }
}

/// A blocking callback (a bast): `mode` is the mode some other lock is waiting for.
public struct BlockingNotice: Sendable, Equatable {
    public var lockID: LockID
    public var owner: LockOwner
    public var mode: LockMode

    public init(lockID: LockID, owner: LockOwner, mode: LockMode) {
        self.lockID = lockID
        self.owner = owner
        self.mode = mode
    }
}

/// What a caller of `lock` or `unlock` should expect after a call that did not throw.
public enum OperationOutcome: Sendable, Equatable {
    /// Exactly one completion for this operation is in the effects or will come later.
    case completionFollows
    /// No completion will come: an orphan was adopted (the lock is granted in its old mode), or a
    /// cancel found nothing to cancel. `_wait` callers return at once with status 0.
    case noCompletion
}

/// A request to `LockEngine.lock`: a new lock, or a conversion when `flags` contains `.convert`.
public struct LockRequest: Sendable {
    /// The handle asking (for a conversion: replaces nothing, the lock keeps its owner).
    public var owner: LockOwner
    /// Resource name (ignored for conversions).
    public var name: ResourceName
    /// Requested mode.
    public var mode: LockMode
    /// DLM_LKF_* flags.
    public var flags: LockFlags
    /// Lock to convert (`sb_lkid`), required with `.convert`.
    public var lockID: LockID
    /// The caller's LVB buffer contents; required (non-nil) when `flags` has `.valueBlock`.
    public var valueBlock: ValueBlock?
    /// Whether the caller registered a blocking callback (only such locks get basts).
    public var wantsBlockingCallbacks: Bool
    /// LKF_TIMEOUT / `dlm_ls_lockx` timeout in centiseconds (used only with `.timeout`; 0 = none).
    public var timeoutCentiseconds: UInt32

    public init(
        owner: LockOwner, name: ResourceName, mode: LockMode, flags: LockFlags = [], lockID: LockID = 0,
        valueBlock: ValueBlock? = nil, wantsBlockingCallbacks: Bool = true, timeoutCentiseconds: UInt32 = 0
    ) {
        self.owner = owner
        self.name = name
        self.mode = mode
        self.flags = flags
        self.lockID = lockID
        self.valueBlock = valueBlock
        self.wantsBlockingCallbacks = wantsBlockingCallbacks
        self.timeoutCentiseconds = timeoutCentiseconds
    }
}

/// Which queue a lock is on.
public enum LockQueue: String, Sendable, Equatable {
    case granted
    case converting
    case waiting
}

/// A read-only view of one lock, for status, lockdebug and tests.
public struct LockSnapshot: Sendable, Equatable {
    public var lockID: LockID
    public var owner: LockOwner
    public var resource: ResourceName
    public var queue: LockQueue
    /// Granted mode (nil while waiting).
    public var grantedMode: LockMode?
    /// Requested mode (nil when simply granted).
    public var requestedMode: LockMode?
    public var flags: LockFlags
    /// Whether the lock is an orphan (PERSISTENT, owner gone).
    public var isOrphan: Bool
    /// When the current wait began (nil when not waiting or converting).
    public var waitingSince: MonotonicInstant?

    public init(
        lockID: LockID, owner: LockOwner, resource: ResourceName, queue: LockQueue, grantedMode: LockMode?,
        requestedMode: LockMode?, flags: LockFlags, isOrphan: Bool, waitingSince: MonotonicInstant?
    ) {
        self.lockID = lockID
        self.owner = owner
        self.resource = resource
        self.queue = queue
        self.grantedMode = grantedMode
        self.requestedMode = requestedMode
        self.flags = flags
        self.isOrphan = isOrphan
        self.waitingSince = waitingSince
    }
}

/// A read-only view of one resource: its queues in order and its LVB state.
public struct ResourceSnapshot: Sendable, Equatable {
    public var name: ResourceName
    public var granted: [LockSnapshot]
    public var converting: [LockSnapshot]
    public var waiting: [LockSnapshot]
    /// The resource LVB, nil when none was ever written (or it was discarded).
    public var valueBlock: ValueBlock?
    /// LVB sequence number.
    public var valueBlockSequence: UInt32
    /// Whether the LVB is marked invalid.
    public var valueBlockInvalid: Bool

    public init(
        name: ResourceName, granted: [LockSnapshot], converting: [LockSnapshot], waiting: [LockSnapshot],
        valueBlock: ValueBlock?, valueBlockSequence: UInt32, valueBlockInvalid: Bool
    ) {
        self.name = name
        self.granted = granted
        self.converting = converting
        self.waiting = waiting
        self.valueBlock = valueBlock
        self.valueBlockSequence = valueBlockSequence
        self.valueBlockInvalid = valueBlockInvalid
    }
}
