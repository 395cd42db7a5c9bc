// Test support for the hostile-client tests: a non-blocking Unix-socket peer whose every write and
// read is bounded by a deadline (a hostile test must never hang on a full socket), a seeded
// generator for reproducible garbage, and a thread runner whose work the test can wait for.

import DLMClientProtocol
import DLMCore
import Foundation
import Glibc

/// A raw, non-blocking connection to the daemon's socket.
final class HostileSocket: @unchecked Sendable {
    let fd: Int32

    init(path: String) throws {
        fd = try connectUnixSocket(path: path)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(fd) }

    /// Shrinks this side's receive buffer (so unread output backs up in the daemon sooner).
    func shrinkReceiveBuffer(to bytes: Int32) {
        var size = bytes
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Writes as much of `bytes` as the socket takes before `deadline`; returns the count written.
    /// `progress` (if given) is advanced as bytes go out, for another thread to watch.
    @discardableResult
    func write(_ bytes: [UInt8], until deadline: Date, progress: Counter? = nil) -> Int {
        var offset = 0
        while offset < bytes.count, Date() < deadline {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
                progress?.add(written)
            } else if written < 0, errno == EAGAIN || errno == EINTR {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&poller, 1, 20)
            } else {
                break
            }
        }
        return offset
    }

    /// Bytes available within `milliseconds`: empty on timeout, nil when the daemon closed the connection.
    func read(waiting milliseconds: Int32) -> [UInt8]? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds) > 0 else { return [] }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if count > 0 { return Array(chunk[0..<count]) }
        if count < 0, errno == EAGAIN || errno == EINTR { return [] }
        return nil
    }

    /// True when the daemon closes the connection before `deadline` (what arrives first is discarded).
    func isClosedByPeer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if read(waiting: 50) == nil { return true }
        }
        return false
    }
}

/// A count shared between a worker thread and the test.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add(_ amount: Int) { lock.withLock { count += amount } }
    var value: Int { lock.withLock { count } }
}

/// Runs `body` on its own thread; `wait` returns once it has finished (or the timeout passed).
final class Worker: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [done] in
            body()
            done.signal()
        }
        thread.start()
    }

    /// True when the work finished within `seconds` (asking again later answers true again).
    func wait(seconds: Double) -> Bool {
        guard done.wait(timeout: .now() + seconds) == .success else { return false }
        done.signal()
        return true
    }
}

/// SplitMix64: reproducible garbage from a seed.
struct SeededBytes: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

/// Decodes reply frames from chunks as they arrive.
struct ReplyCollector {
    private var decoder = FrameDecoder<DaemonMessage>()
    private(set) var frames: [ReplyFrame] = []

    mutating func feed(_ bytes: [UInt8]) throws {
        decoder.feed(bytes)
        while let frame = try decoder.next() { frames.append(frame) }
    }
}
