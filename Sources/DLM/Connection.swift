// dlmd — DLM client: one connection to dlmd; writes requests, reads frames, matches replies, runs callbacks.

import DLMClientProtocol
import DLMCore
import Glibc

/// One connection to the daemon (one lockspace handle, or one administrative exchange).
///
/// Threads: any number of callers may send and wait at once. Exactly one of them at a time reads the
/// socket (the *reader*); the others wait on a condition variable and are woken after every frame.
/// A reader reads exactly one frame per turn, so frames nobody asked for stay in the kernel and the
/// descriptor stays readable for the application's `poll()`. Callbacks are queued in arrival order
/// and run outside every lock, by one runner at a time: the callback thread when it runs, else the
/// caller of `dispatch()` or of a synchronous call.
final class Connection: @unchecked Sendable {
    let socket: UnixSocket
    let stateLock = ConditionLock()
    /// Guarded by `stateLock`.
    var state = ConnectionState()
    /// Guarded by `stateLock`; non-nil while a callback thread runs.
    var callbackThread: CallbackThread?
    private let writeLock = ConditionLock()
    /// Held while callbacks run, so they run one at a time and in order.
    let runnerLock = ConditionLock()
    /// Used by the reader only (the reader role is exclusive).
    private var decoder = FrameDecoder<DaemonMessage>()
    private var closed = false
    /// Guarded by `stateLock`: called once when the connection fails (async waiters resume with the error).
    private var failureObservers: [UInt64: @Sendable (DLMErrno) -> Void] = [:]
    private var nextObserver: UInt64 = 1

    init(socket: UnixSocket) { self.socket = socket }

    /// Connects to the daemon's socket.
    static func connect(path: String) throws(DLMErrno) -> Connection {
        Connection(socket: try UnixSocket.connect(path: path))
    }

    // MARK: - Requests

    /// Registers and writes one request.
    /// - Returns: its request id.
    func send(_ request: ClientRequest, as pending: PendingRequest) throws(DLMErrno) -> UInt32 {
        let id: UInt32 = stateLock.withLock {
            state.failure == nil ? state.register(pending) : 0
        }
        guard id != 0 else { throw stateLock.withLock { state.failure ?? .ENOTCONN } }
        let bytes = Frame(requestID: id, message: request).bytes
        do {
            writeLock.lock()
            defer { writeLock.unlock() }
            try socket.writeAll(bytes)
        } catch {
            stateLock.withLock { state.abandon(id) }
            throw error
        }
        return id
    }

    /// Waits for the reply to request `id`.
    func awaitReply(_ id: UInt32) throws(DLMErrno) -> Reply {
        try waitUntil { $0.takeReply(id) }
    }

    /// Sends a request and waits for its RESULT.
    /// - Throws: the RESULT's errno when not 0.
    @discardableResult
    func roundTrip(_ request: ClientRequest, as pending: PendingRequest = .plain) throws(DLMErrno) -> RequestResult {
        try exchange(request, as: pending).result
    }

    /// Sends a request and waits for its RESULT.
    /// - Returns: the request id (what `awaitCompletion(of:)` waits for) and the RESULT.
    /// - Throws: the RESULT's errno when not 0.
    func exchange(_ request: ClientRequest, as pending: PendingRequest) throws(DLMErrno)
        -> (requestID: UInt32, result: RequestResult)
    {
        let id = try send(request, as: pending)
        switch try awaitReply(id) {
        case .result(let result):
            guard result.errno == 0 else { throw DLMErrno(result.errno) }
            return (id, result)
        case .text:
            throw .EPROTO
        }
    }

    /// Waits until the completion of the `_wait` operation sent as `requestID` has been applied to its
    /// status block.
    func awaitCompletion(of requestID: UInt32) throws(DLMErrno) {
        try waitUntil { $0.takeFinishedWait(requestID) ? () : nil }
    }

    // MARK: - Reading

    /// Reads frames (taking the reader role when free) until `check` returns a value.
    /// Without a callback thread, callbacks read meanwhile run in this thread before it returns.
    func waitUntil<T>(_ check: (inout ConnectionState) -> T?) throws(DLMErrno) -> T {
        stateLock.lock()
        var outcome: Result<T, DLMErrno>
        while true {
            if let value = check(&state) {
                outcome = .success(value)
                break
            }
            if let failure = state.failure {
                outcome = .failure(failure)
                break
            }
            if state.readerActive {
                stateLock.wait()
                continue
            }
            readOneFrameAsReader(timeoutMilliseconds: -1, wakeFD: -1)
            if callbackThread == nil, !state.callbacks.isEmpty {
                stateLock.unlock()
                runCallbacks(blocking: false)
                stateLock.lock()
            }
        }
        let inline = callbackThread == nil && !state.callbacks.isEmpty
        stateLock.unlock()
        if inline { runCallbacks(blocking: false) }
        return try outcome.get()
    }

    /// Takes the reader role, reads at most one frame, applies it and wakes the waiters.
    /// Called and returns with `stateLock` held; drops it while reading.
    /// - Returns: whether a frame was read.
    @discardableResult
    func readOneFrameAsReader(timeoutMilliseconds: Int32, wakeFD: Int32) -> Bool {
        state.readerActive = true
        stateLock.unlock()
        let result = readOneFrame(timeoutMilliseconds: timeoutMilliseconds, wakeFD: wakeFD)
        stateLock.lock()
        state.readerActive = false
        var gotFrame = false
        switch result {
        case .success(let frame?):
            state.apply(frame)
            gotFrame = true
        case .success(nil):
            break
        case .failure(let error):
            failLocked(error)
        }
        stateLock.broadcast()
        return gotFrame
    }

    /// Reads one whole frame if the socket becomes readable within the timeout.
    /// - Returns: the frame; nil when nothing was readable; a failure when the connection is unusable.
    private func readOneFrame(timeoutMilliseconds: Int32, wakeFD: Int32) -> Result<Frame<DaemonMessage>?, DLMErrno> {
        do {
            guard try socket.waitReadable(timeoutMilliseconds: timeoutMilliseconds, wakeFD: wakeFD) else {
                return .success(nil)
            }
            guard let header = try socket.readExactly(ClientProtocol.headerBytes) else { return .failure(.ENOTCONN) }
            decoder.feed(header)
            let length = Int(header[8]) | Int(header[9]) << 8 | Int(header[10]) << 16 | Int(header[11]) << 24
            if let frame = try decodeNext() { return .success(frame) }
            guard length > ClientProtocol.headerBytes, length <= ClientProtocol.frameBytesMax else { return .failure(.EPROTO) }
            guard let payload = try socket.readExactly(length - ClientProtocol.headerBytes) else {
                return .failure(.ENOTCONN)
            }
            decoder.feed(payload)
            guard let frame = try decodeNext() else { return .failure(.EPROTO) }
            return .success(frame)
        } catch {
            return .failure(error)
        }
    }

    private func decodeNext() throws(DLMErrno) -> Frame<DaemonMessage>? {
        do {
            return try decoder.next()
        } catch {
            throw .EPROTO
        }
    }

    // MARK: - Callbacks

    /// Reads every frame already available without blocking, then runs every queued callback in this
    /// thread (libdlm's `dlm_dispatch`). Returns at once when another thread is reading.
    func dispatch() throws(DLMErrno) {
        stateLock.lock()
        while !state.readerActive, state.failure == nil {
            guard readOneFrameAsReader(timeoutMilliseconds: 0, wakeFD: -1) else { break }
        }
        let failure = state.callbacks.isEmpty ? state.failure : nil
        stateLock.unlock()
        runCallbacks(blocking: false)
        if let failure { throw failure }
    }

    /// Runs queued callbacks oldest first until none is left. With `blocking` false, returns at once
    /// when another thread (or this one, further up the stack) is already running callbacks.
    func runCallbacks(blocking: Bool) {
        if blocking { runnerLock.lock() } else if !runnerLock.tryLock() { return }
        defer { runnerLock.unlock() }
        while true {
            let batch = stateLock.withLock { state.takeCallbacks() }
            if batch.isEmpty { return }
            for callback in batch { callback.run() }
        }
    }

    // MARK: - Failure

    /// Calls `handler` once when the connection fails, at once if it already has.
    /// - Returns: a token for `stopObservingFailure`, or nil when the handler already ran.
    func observeFailure(_ handler: @escaping @Sendable (DLMErrno) -> Void) -> UInt64? {
        stateLock.lock()
        if let failure = state.failure {
            stateLock.unlock()
            handler(failure)
            return nil
        }
        defer { stateLock.unlock() }
        let token = nextObserver
        nextObserver += 1
        failureObservers[token] = handler
        return token
    }

    /// Forgets an observer registered with `observeFailure`.
    func stopObservingFailure(_ token: UInt64) {
        stateLock.withLock { failureObservers[token] = nil }
    }

    /// Records the failure (with `stateLock` held) and tells the observers. They must not take
    /// `stateLock` (they resume continuations).
    private func failLocked(_ error: DLMErrno) {
        guard state.failure == nil else { return }
        state.fail(error)
        let observers = failureObservers.values
        failureObservers.removeAll()
        for observer in observers { observer(error) }
    }

    // MARK: - Closing

    /// Stops the callback thread, wakes every blocked reader and closes the socket. Idempotent.
    func close() {
        stopCallbackThread()
        let first: Bool = stateLock.withLock {
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        shutdown(socket.fd, Int32(SHUT_RDWR))
        stateLock.withLock {
            while state.readerActive { stateLock.wait() }
            failLocked(.ENOTCONN)
            state.discardAll()
            stateLock.broadcast()
        }
        socket.closeSocket()
    }
}
