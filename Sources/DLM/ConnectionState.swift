// dlmd — DLM client: the bookkeeping of one connection, as a pure state machine (no I/O, no threads).

import DLMClientProtocol
import DLMCore

/// Called when a lock's operation completes; the status block is filled first.
public typealias CompletionHandler = @Sendable (LockStatusBlock) -> Void
/// Called when another lock waits for `mode` on a resource this lock holds (a bast).
public typealias BlockingHandler = @Sendable (LockMode) -> Void

/// A callback read from the socket and not yet run. Running it fills the status block, then calls the handler.
struct PendingCallback: @unchecked Sendable {
    enum Kind {
        case completion(CompletionCallback, LockStatusBlock, CompletionHandler?)
        case blocking(LockMode, BlockingHandler)
        case recovery(RecoveryEvent, RecoverySink)
    }
    let kind: Kind

    /// Fills the status block (completions) and calls the user's handler.
    func run() {
        switch kind {
        case .completion(let record, let block, let handler):
            block.apply(record)
            handler?(block)
        case .blocking(let mode, let handler):
            handler(mode)
        case .recovery(let event, let sink):
            sink.deliver(event)
        }
    }
}

/// One LOCK/UNLOCK on a lock whose RESULT said a COMPLETION follows, and that has not completed yet.
struct PendingOperation {
    /// The request id of the LOCK/UNLOCK (a `_wait` caller waits for this id to finish).
    var requestID: UInt32
    /// The block this operation's completion fills.
    var statusBlock: LockStatusBlock
    /// A `_wait` caller collects the completion (it is not queued as a callback).
    var wait: Bool
    /// A cancel or deadlock-cancel: it has no completion of its own; it ends with the operation it cancels.
    var cancel: Bool
}

/// What the library remembers about one lock of this handle.
struct LockEntry {
    /// The lock's current block (an unlock given its own block replaces it, as libdlm's lksb does).
    var statusBlock: LockStatusBlock
    var completion: CompletionHandler?
    var blocking: BlockingHandler?
    /// Operations waiting for a completion, in the order their RESULTs arrived.
    var operations: [PendingOperation] = []
}

/// The lock-related context of a LOCK request, applied when its RESULT arrives.
struct LockContext {
    var statusBlock: LockStatusBlock
    var completion: CompletionHandler?
    var blocking: BlockingHandler?
    var wait: Bool
    /// A conversion of an existing lock (else a new request, which replaces any stale entry for its id).
    var convert = false
}

/// What a request in flight was, so its RESULT can update the lock table.
enum PendingRequest {
    /// A lockspace, purge, release or query request.
    case plain
    /// A LOCK request or convert.
    case lock(LockContext)
    /// An UNLOCK, cancel or deadlock-cancel of `lockID`; `statusBlock` replaces the lock's block when given.
    case unlock(lockID: LockID, statusBlock: LockStatusBlock?, wait: Bool, cancel: Bool)
}

/// A reply matched to a request id.
enum Reply: Equatable {
    case result(RequestResult)
    case text(String)
}

/// The state of one connection: requests in flight, replies not yet collected, the lock table, and
/// callbacks waiting to run. Guarded by `Connection`'s lock; every mutation happens through these methods.
///
/// Ordering rules it relies on (docs/client-protocol.md): replies come in request order, and an
/// operation's RESULT precedes the COMPLETION it announces, so every completion finds its operation
/// registered (at read time, whoever reads it) even when the caller has not collected its RESULT yet.
///
/// Matching completions to operations: dlmd reuses a freed lock id at once, so a lock id alone does not
/// name an operation. Each lock keeps its operations in RESULT order; a completion belongs to the
/// oldest one (cancels ride along with the operation they cancel), or to all of them when it ends the
/// lock. `_wait` callers wait for their own request id.
struct ConnectionState {
    private(set) var nextRequestID: UInt32 = 1
    private(set) var pending: [UInt32: PendingRequest] = [:]
    private(set) var replies: [UInt32: Reply] = [:]
    private var textChunks: [UInt32: String] = [:]
    private(set) var locks: [LockID: LockEntry] = [:]
    /// Request ids of `_wait` operations whose completion arrived and was applied to their block.
    private var finishedWaits: Set<UInt32> = []
    /// `FENCE_TOKEN` frames waiting for the completion of their lock (the next frame for it).
    private var fenceTokens: [LockID: UInt64] = [:]
    private(set) var callbacks: [PendingCallback] = []
    /// Where `RECOVERY_EVENT` frames go once the handle subscribed (`Lockspace.recoveryEvents()`).
    var recoverySink: RecoverySink?
    /// Set when the connection broke; every later wait throws it.
    private(set) var failure: DLMErrno?
    /// One reader at a time reads the socket; the others wait on the condition.
    var readerActive = false

    // MARK: - Requests

    /// Allocates a request id (never 0, which callbacks use) and remembers what the request was.
    mutating func register(_ request: PendingRequest) -> UInt32 {
        var id = nextRequestID
        while pending[id] != nil || replies[id] != nil || finishedWaits.contains(id) {
            id = id == UInt32.max ? 1 : id + 1
        }
        nextRequestID = id == UInt32.max ? 1 : id + 1
        pending[id] = request
        return id
    }

    /// Forgets a request whose frame could not be written.
    mutating func abandon(_ requestID: UInt32) {
        pending[requestID] = nil
    }

    /// Removes and returns the reply to `requestID`, if it arrived.
    mutating func takeReply(_ requestID: UInt32) -> Reply? {
        replies.removeValue(forKey: requestID)
    }

    /// Whether the completion the `_wait` operation `requestID` expects arrived (consumes it).
    mutating func takeFinishedWait(_ requestID: UInt32) -> Bool {
        finishedWaits.remove(requestID) != nil
    }

    /// Removes and returns every queued callback, oldest first.
    mutating func takeCallbacks() -> [PendingCallback] {
        defer { callbacks.removeAll(keepingCapacity: true) }
        return callbacks
    }

    /// Records that the connection is gone; waits then throw `error`.
    mutating func fail(_ error: DLMErrno) {
        if failure == nil { failure = error }
    }

    /// Forgets every lock, request and queued callback (the handle was closed: the daemon sends no
    /// more callbacks for them). Also breaks reference cycles through handlers that capture the handle.
    mutating func discardAll() {
        pending.removeAll()
        replies.removeAll()
        textChunks.removeAll()
        locks.removeAll()
        finishedWaits.removeAll()
        callbacks.removeAll()
        recoverySink = nil
    }

    // MARK: - Events

    /// Applies one decoded frame.
    mutating func apply(_ frame: Frame<DaemonMessage>) {
        let requestID = frame.requestID
        switch frame.message {
        case .result(let result):
            applyResult(requestID, result)
        case .queryText(let last, let text):
            textChunks[requestID, default: ""] += text
            if last {
                pending[requestID] = nil
                replies[requestID] = .text(textChunks.removeValue(forKey: requestID) ?? "")
            }
        case .completion(let record):
            applyCompletion(record)
        case .fenceToken(let lockID, let token):
            fenceTokens[lockID] = token
        case .blocking(let lockID, let mode):
            if let handler = locks[lockID]?.blocking {
                callbacks.append(PendingCallback(kind: .blocking(mode, handler)))
            }
        case .recoveryEvent(let notice):
            if let recoverySink {
                callbacks.append(PendingCallback(kind: .recovery(RecoveryEvent(notice), recoverySink)))
            }
        }
    }

    private mutating func applyResult(_ requestID: UInt32, _ result: RequestResult) {
        guard let request = pending.removeValue(forKey: requestID) else { return }
        textChunks[requestID] = nil
        replies[requestID] = .result(result)
        guard result.errno == 0 else { return }
        let follows = result.outcome == .completionFollows
        switch request {
        case .plain:
            break
        case .lock(let context):
            context.statusBlock.lockID = result.lockID
            var entry = LockEntry(statusBlock: context.statusBlock)
            if context.convert, let known = locks[result.lockID] { entry = known }
            entry.statusBlock = context.statusBlock
            entry.completion = context.completion
            entry.blocking = context.blocking
            if follows {
                entry.operations.append(
                    PendingOperation(requestID: requestID, statusBlock: context.statusBlock, wait: context.wait, cancel: false))
            }
            locks[result.lockID] = entry
        case .unlock(let lockID, let block, let wait, let cancel):
            var entry = locks[lockID] ?? LockEntry(statusBlock: block ?? LockStatusBlock(lockID: lockID))
            if let block { entry.statusBlock = block }
            if follows {
                entry.operations.append(
                    PendingOperation(requestID: requestID, statusBlock: entry.statusBlock, wait: wait, cancel: cancel))
            }
            locks[lockID] = entry
        }
    }

    /// Hands a completion to the operations it finishes: the oldest one (with the cancels queued behind
    /// it), or all of them when the lock ends. `_wait` operations get it applied to their block at once;
    /// when the newest finished operation is asynchronous, the lock's completion callback is queued with
    /// that operation's block (the newest call's block and AST win, as with libdlm's lksb and astarg).
    private mutating func applyCompletion(_ record: CompletionCallback) {
        guard var entry = locks[record.lockID] else { return }
        let ends = record.endsLock
        var count = ends ? entry.operations.count : min(1, entry.operations.count)
        while count < entry.operations.count, entry.operations[count].cancel { count += 1 }
        let finished = entry.operations.prefix(count)
        if let token = fenceTokens.removeValue(forKey: record.lockID) {
            for operation in finished { operation.statusBlock.fenceToken = token }
            if finished.isEmpty { entry.statusBlock.fenceToken = token }
        }
        for operation in finished where operation.wait {
            operation.statusBlock.apply(record)
            finishedWaits.insert(operation.requestID)
        }
        if let newest = finished.last {
            if !newest.wait {
                callbacks.append(PendingCallback(kind: .completion(record, newest.statusBlock, entry.completion)))
            }
        } else {
            callbacks.append(PendingCallback(kind: .completion(record, entry.statusBlock, entry.completion)))
        }
        entry.operations.removeFirst(count)
        locks[record.lockID] = ends ? nil : entry
    }
}
