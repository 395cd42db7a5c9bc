// dlmd — DLM client: a connected Unix stream socket with exact, frame-sized reads.

import Glibc
import DLMCore

/// A blocking Unix stream socket. Reads take exactly the bytes asked for, so a frame the library
/// has not asked for stays in the kernel and keeps the descriptor readable for the caller's `poll()`.
/// Not `Sendable` by itself: `Connection` serialises readers and writers.
struct UnixSocket {
    /// The descriptor (what `dlm_ls_get_fd` returns).
    let fd: Int32

    /// Wraps an already connected descriptor (tests use one end of a socketpair).
    init(fd: Int32) { self.fd = fd }

    /// Connects to `path`.
    /// - Throws: `DLMErrno` with the `socket`/`connect` errno (ENOENT, ECONNREFUSED, EACCES ...),
    ///   or ENAMETOOLONG when the path does not fit `sun_path`.
    static func connect(path: String) throws(DLMErrno) -> UnixSocket {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DLMErrno(errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            close(fd)
            throw .ENAMETOOLONG
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw DLMErrno(code)
        }
        return UnixSocket(fd: fd)
    }

    /// Writes every byte, retrying on EINTR and short writes.
    /// - Throws: `DLMErrno` (EPIPE/ECONNRESET become ENOTCONN).
    func writeAll(_ bytes: [UInt8]) throws(DLMErrno) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw errno == EPIPE || errno == ECONNRESET ? .ENOTCONN : DLMErrno(errno)
            }
            offset += written
        }
    }

    /// Reads exactly `count` bytes.
    /// - Returns: the bytes, or nil when the peer closed the connection.
    /// - Throws: `DLMErrno` on a read error.
    func readExactly(_ count: Int) throws(DLMErrno) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = buffer.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress! + offset, count - offset, 0)
            }
            if got == 0 { return nil }
            if got < 0 {
                if errno == EINTR { continue }
                if errno == ECONNRESET { return nil }
                throw DLMErrno(errno)
            }
            offset += got
        }
        return buffer
    }

    /// Waits until the socket (or `wakeFD`) is readable.
    /// - Parameters:
    ///   - timeoutMilliseconds: -1 waits for ever, 0 only looks.
    ///   - wakeFD: an extra descriptor whose readability also ends the wait (the callback thread's pipe).
    /// - Returns: whether the socket itself is readable (or closed).
    func waitReadable(timeoutMilliseconds: Int32, wakeFD: Int32 = -1) throws(DLMErrno) -> Bool {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        while true {
            let count = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t(wakeFD >= 0 ? 2 : 1), timeoutMilliseconds) }
            if count < 0 {
                if errno == EINTR { continue }
                throw DLMErrno(errno)
            }
            return fds[0].revents != 0
        }
    }

    /// Closes the descriptor.
    func closeSocket() { close(fd) }
}
