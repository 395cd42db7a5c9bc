// Test support (not a test): a scripted stand-in for dlmd on one end of a socketpair. A thread reads the
// client's request frames with the real codec and answers each with the frames a script returns. Every
// read is bounded: after `deadlineSeconds` without progress the fake shuts the socket down, so a client
// blocked on it fails with ENOTCONN instead of hanging the test.

import DLMClientProtocol
import Foundation
import Glibc
@testable import DLM

final class FakeDaemon: @unchecked Sendable {
    typealias Script = @Sendable (Frame<ClientRequest>, FakeDaemon) -> [Frame<DaemonMessage>]

    let clientFD: Int32
    let serverFD: Int32
    private let lock = ConditionLock()
    private var received: [Frame<ClientRequest>] = []
    private var finished = false
    private let script: Script
    private let deadlineSeconds: Int32

    /// Starts the fake; `script` answers every request (it may also call `send` later from elsewhere).
    init(deadlineSeconds: Int32 = 60, script: @escaping Script) {
        var fds: [Int32] = [0, 0]
        let rc = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds)
        precondition(rc == 0, "socketpair failed")
        clientFD = fds[0]
        serverFD = fds[1]
        self.script = script
        self.deadlineSeconds = deadlineSeconds
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// A lockspace handle on the client end.
    func makeLockspace() -> Lockspace {
        Lockspace(name: "fake", connection: Connection(socket: UnixSocket(fd: clientFD)))
    }

    /// Requests received so far.
    var requests: [Frame<ClientRequest>] { lock.withLock { received } }

    /// Writes frames to the client in one write.
    func send(_ frames: [Frame<DaemonMessage>]) {
        var bytes: [UInt8] = []
        for frame in frames { frame.encode(into: &bytes) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(serverFD, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Closes the daemon's end: the client sees the connection end.
    func hangUp() {
        shutdown(serverFD, Int32(SHUT_RDWR))
    }

    deinit { close(serverFD) }

    private func serve() {
        var decoder = FrameDecoder<ClientRequest>()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var pfd = pollfd(fd: serverFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, deadlineSeconds * 1000)
            if ready <= 0 { break }
            let n = read(serverFD, &buffer, buffer.count)
            if n <= 0 { break }
            decoder.feed(buffer[0..<n])
            while let frame = try? decoder.next() {
                lock.withLock { received.append(frame) }
                send(script(frame, self))
            }
        }
        hangUp()
        lock.withLock { finished = true }
    }
}

/// Polls `condition` every millisecond for up to `seconds`.
func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}

/// Whether `fd` is readable right now.
func isReadable(_ fd: Int32) -> Bool {
    var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&pfd, 1, 0) > 0
}

extension Frame where Message == DaemonMessage {
    static func result(_ id: UInt32, errno: Int32 = 0, lockID: LockID = 0, outcome: ResultOutcome = .completionFollows)
        -> Frame
    {
        Frame(requestID: id, message: .result(RequestResult(errno: errno, lockID: lockID, outcome: outcome)))
    }

    static func completion(_ lockID: LockID, _ status: CompletionStatus, granted: LockMode?, lvb: [UInt8]? = nil)
        -> Frame
    {
        Frame(
            requestID: 0,
            message: .completion(CompletionCallback(lockID: lockID, status: status, grantedMode: granted, valueBlock: lvb)))
    }

    static func blocking(_ lockID: LockID, _ mode: LockMode) -> Frame {
        Frame(requestID: 0, message: .blocking(lockID: lockID, mode: mode))
    }
}
