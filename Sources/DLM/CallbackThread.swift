// dlmd — DLM client: the optional library thread that runs a handle's callbacks (`dlm_pthread_init`).

import DLMCore
import Glibc

/// A pthread that reads a connection's callbacks and runs them. A pipe wakes it to stop.
final class CallbackThread: @unchecked Sendable {
    /// Read end (polled by the thread) and write end (written by `stop`) of the wake pipe.
    let wakeRead: Int32
    private let wakeWrite: Int32
    private var thread = pthread_t()
    /// Whether `start` created the thread (only a created thread may be joined or detached).
    private var started = false
    /// Guarded by the connection's `stateLock`.
    var stopping = false

    init() throws(DLMErrno) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw DLMErrno(errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    /// Starts the thread running `body`.
    func start(_ body: @escaping @Sendable () -> Void) throws(DLMErrno) {
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        let result = pthread_create(&thread, nil, { argument in
            Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue().body()
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(box).release()
            throw DLMErrno(result)
        }
        started = true
    }

    /// Wakes the thread out of `poll` (the caller has set `stopping`).
    func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Whether the calling thread is this callback thread.
    var isCurrent: Bool { started && pthread_equal(thread, pthread_self()) != 0 }

    /// Waits for the thread to end (unless called from it), then closes the pipe. A thread that was
    /// never started (a second `startCallbackThread`, a failed `pthread_create`) only closes the pipe:
    /// joining its zero `pthread_t` is undefined (ThreadSanitizer stops the process on it).
    func join() {
        if !started {
            // nothing to wait for
        } else if !isCurrent {
            pthread_join(thread, nil)
        } else {
            pthread_detach(thread)
        }
        close(wakeRead)
        close(wakeWrite)
    }
}

private final class ThreadBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

extension Connection {
    /// Starts a thread that reads this connection and runs its callbacks (`dlm_ls_pthread_init`).
    /// - Throws: `DLMErrno.EEXIST` when one already runs; ENOTCONN on a closed connection.
    func startCallbackThread() throws(DLMErrno) {
        let thread = try CallbackThread()
        let started: DLMErrno? = stateLock.withLock {
            if callbackThread != nil { return .EEXIST }
            if let failure = state.failure { return failure }
            callbackThread = thread
            return nil
        }
        if let started {
            thread.join()
            throw started
        }
        do {
            try thread.start { [self] in callbackLoop(thread) }
        } catch {
            stateLock.withLock { callbackThread = nil }
            thread.join()
            throw error
        }
    }

    /// Stops the callback thread, if any, and waits for it (unless called from a callback).
    func stopCallbackThread() {
        let thread: CallbackThread? = stateLock.withLock {
            guard let thread = callbackThread else { return nil }
            thread.stopping = true
            callbackThread = nil
            stateLock.broadcast()
            return thread
        }
        guard let thread else { return }
        thread.wake()
        thread.join()
    }

    /// The thread's body: become the reader when nobody else is, else sleep until woken; run callbacks.
    private func callbackLoop(_ thread: CallbackThread) {
        while true {
            stateLock.lock()
            while state.callbacks.isEmpty, !thread.stopping, state.failure == nil {
                if state.readerActive {
                    stateLock.wait()
                } else {
                    readOneFrameAsReader(timeoutMilliseconds: -1, wakeFD: thread.wakeRead)
                }
            }
            let done = thread.stopping || (state.failure != nil && state.callbacks.isEmpty)
            stateLock.unlock()
            if done { return }
            runCallbacks(blocking: true)
        }
    }
}
