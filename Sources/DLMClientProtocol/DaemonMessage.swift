// dlmd — DLMClientProtocol: the replies and callbacks the daemon sends to a client.

import DLMCore

/// A frame from the daemon (docs/client-protocol.md, "Replies and callbacks").
public enum DaemonMessage: Sendable, Hashable {
    /// `RESULT`: the answer to one request.
    case result(RequestResult)
    /// `COMPLETION`: a completion callback (AST) for one lock.
    case completion(CompletionCallback)
    /// `BLOCKING`: a blocking callback (bast): another lock waits for `mode`.
    case blocking(lockID: LockID, mode: LockMode)
    /// `QUERY_TEXT`: one chunk of a query's answer; `last` marks the final chunk.
    case queryText(last: Bool, text: String)
    /// `FENCE_TOKEN` (dlmd extension, only after `FENCE_TOKENS` enabled it): the fencing token of the
    /// EX/PW grant whose `COMPLETION` for `lockID` is the next frame.
    case fenceToken(lockID: LockID, token: UInt64)
    /// `RECOVERY_EVENT` (dlmd extension, only after `RECOVERY_EVENTS` enabled it): a recovery
    /// notification of the connection's lockspace.
    case recoveryEvent(RecoveryNotice)

    /// The frame type this message travels in.
    public var messageType: MessageType {
        switch self {
        case .result: return .result
        case .completion: return .completion
        case .blocking: return .blocking
        case .queryText: return .queryText
        case .fenceToken: return .fenceToken
        case .recoveryEvent: return .recoveryEvent
        }
    }
}

/// Whether a completion follows a successful `LOCK` or `UNLOCK` (the `outcome` byte of `RESULT`).
public enum ResultOutcome: UInt8, Sendable, Hashable {
    /// A `COMPLETION` for this operation follows, now or later.
    case completionFollows = 0
    /// None will come: an orphan was adopted, or a cancel found nothing to cancel.
    case noCompletion = 1
}

/// The payload of `RESULT`.
public struct RequestResult: Sendable, Hashable {
    /// 0 on success, else a positive errno.
    public var errno: Int32
    /// For `LOCK`: the lock id; else 0.
    public var lockID: LockID
    /// Whether a completion follows.
    public var outcome: ResultOutcome

    public init(errno: Int32 = 0, lockID: LockID = 0, outcome: ResultOutcome = .completionFollows) {
        self.errno = errno
        self.lockID = lockID
        self.outcome = outcome
    }

    /// A failed request: no completion will come.
    public static func failure(_ error: DLMErrno) -> RequestResult {
        RequestResult(errno: error.rawValue, lockID: 0, outcome: .noCompletion)
    }
}

/// The payload of `COMPLETION`: what libdlm writes into the lksb before calling the AST.
public struct CompletionCallback: Sendable, Hashable {
    public var lockID: LockID
    /// `sb_status`, positive.
    public var status: CompletionStatus
    /// `sb_flags`.
    public var flags: StatusFlags
    /// Mode held after this completion; nil when none.
    public var grantedMode: LockMode?
    /// The LVB to copy into the caller's buffer, when this completion reads it.
    public var valueBlock: [UInt8]?

    public init(
        lockID: LockID, status: CompletionStatus, flags: StatusFlags = [], grantedMode: LockMode?,
        valueBlock: [UInt8]? = nil
    ) {
        self.lockID = lockID
        self.status = status
        self.flags = flags
        self.grantedMode = grantedMode
        self.valueBlock = valueBlock
    }
}
