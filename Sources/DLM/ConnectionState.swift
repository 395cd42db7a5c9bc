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
        }
    }
}

/// What the library remembers about one lock of this handle.
struct LockEntry {
    var statusBlock: LockStatusBlock
    var completion: CompletionHandler?
    var blocking: BlockingHandler?
    /// A `_wait` call is waiting for this lock's next completion (it is not queued as a callback).
    var waiting: Bool
}

/// The lock-related context of a LOCK request, applied when its RESULT arrives.
struct LockContext {
    var statusBlock: LockStatusBlock
    var completion: CompletionHandler?
    var blocking: BlockingHandler?
    var wait: Bool
}

/// What a request in flight was, so its RESULT can update the lock table.
enum PendingRequest {
    /// A lockspace, purge, release or query request.
    case plain
    /// A LOCK request or convert.
    case lock(LockContext)
    /// An UNLOCK or cancel of `lockID`; `statusBlock` replaces the lock's block when given.
    case unlock(lockID: LockID, statusBlock: LockStatusBlock?, wait: Bool)
}

/// A reply matched to a request id.
enum Reply: Equatable {
    case result(RequestResult)
    case text(String)
}

/// The state of one connection: requests in flight, replies not yet collected, the lock table, and
/// callbacks waiting to run. Guarded by `Connection`'s lock; every mutation happens through these methods.
///
/// Ordering rules it relies on (docs/client-protocol.md): replies come in request order, and a lock's
/// RESULT precedes its callbacks, so the RESULT registers the lock before any COMPLETION can name it.
struct ConnectionState {
    private(set) var nextRequestID: UInt32 = 1
    private(set) var pending: [UInt32: PendingRequest] = [:]
    private(set) var replies: [UInt32: Reply] = [:]
    private var textChunks: [UInt32: String] = [:]
    private(set) var locks: [LockID: LockEntry] = [:]
    private var finishedWaits: Set<LockID> = []
    private(set) var callbacks: [PendingCallback] = []
    /// Set when the connection broke; every later wait throws it.
    private(set) var failure: DLMErrno?
    /// One reader at a time reads the socket; the others wait on the condition.
    var readerActive = false

    // MARK: - Requests

    /// Allocates a request id (never 0, which callbacks use) and remembers what the request was.
    mutating func register(_ request: PendingRequest) -> UInt32 {
        let id = nextRequestID
        nextRequestID = nextRequestID == UInt32.max ? 1 : nextRequestID + 1
        invariant(pending[id] == nil, "request id reused while in flight", dump: "id \(id)")
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

    /// Whether the completion a `_wait` call expects for `lockID` arrived (consumes it).
    mutating func takeFinishedWait(_ lockID: LockID) -> Bool {
        finishedWaits.remove(lockID) != nil
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
        case .blocking(let lockID, let mode):
            if let handler = locks[lockID]?.blocking {
                callbacks.append(PendingCallback(kind: .blocking(mode, handler)))
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
            var entry = locks[result.lockID] ?? LockEntry(statusBlock: context.statusBlock, waiting: false)
            entry.statusBlock = context.statusBlock
            entry.completion = context.completion
            entry.blocking = context.blocking
            entry.waiting = context.wait && follows
            locks[result.lockID] = entry
        case .unlock(let lockID, let block, let wait):
            var entry = locks[lockID] ?? LockEntry(statusBlock: block ?? LockStatusBlock(lockID: lockID), waiting: false)
            if let block { entry.statusBlock = block }
            entry.waiting = wait && follows
            locks[lockID] = entry
        }
    }

    private mutating func applyCompletion(_ record: CompletionCallback) {
        guard var entry = locks[record.lockID] else { return }
        if entry.waiting {
            entry.statusBlock.apply(record)
            entry.waiting = false
            finishedWaits.insert(record.lockID)
        } else {
            callbacks.append(PendingCallback(kind: .completion(record, entry.statusBlock, entry.completion)))
        }
        locks[record.lockID] = record.endsLock ? nil : entry
    }
}
