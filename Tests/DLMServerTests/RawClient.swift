// A small blocking Unix-socket client for the server tests: writes request frames with the real
// encoder, reads reply frames with the real decoder, keeps callbacks that arrive while waiting for a
// RESULT, and bounds every read with a timeout so a broken server fails a test instead of hanging it.

import DLMClientProtocol
import DLMCore
import Glibc
import Testing

struct ClientTimeout: Error {}
struct ClientClosed: Error {}

final class RawClient {
    let fd: Int32
    private var decoder = FrameDecoder<DaemonMessage>()
    private var nextRequestID: UInt32 = 1
    /// Callbacks (COMPLETION, BLOCKING) received and not yet taken.
    private(set) var callbacks: [DaemonMessage] = []

    init(path: String) throws {
        fd = try connectUnixSocket(path: path)
    }

    deinit { close(fd) }

    /// Closes the connection now (the daemon sees a disconnect).
    func disconnect() { shutdown(fd, Int32(SHUT_RDWR)) }

    // MARK: - Writing

    func sendRaw(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            offset += written
        }
    }

    @discardableResult
    func send(_ request: ClientRequest) -> UInt32 {
        let id = nextRequestID
        nextRequestID += 1
        sendRaw(RequestFrame(requestID: id, message: request).bytes)
        return id
    }

    // MARK: - Reading

    /// The next frame, waiting at most `timeout` milliseconds.
    func receive(timeout: Int32 = 5000) throws -> ReplyFrame {
        while true {
            if let frame = try decoder.next() { return frame }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, timeout) > 0 else { throw ClientTimeout() }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { throw ClientClosed() }
            decoder.feed(chunk[0..<count])
        }
    }

    /// Sends a request and waits for its RESULT; callbacks read meanwhile are kept in order.
    func call(_ request: ClientRequest) throws -> RequestResult {
        let id = send(request)
        while true {
            let frame = try receive()
            if case .result(let result) = frame.message, frame.requestID == id { return result }
            callbacks.append(frame.message)
        }
    }

    /// Sends a request that must succeed; returns the lock id.
    @discardableResult
    func ok(_ request: ClientRequest, outcome: ResultOutcome = .completionFollows) throws -> LockID {
        let result = try call(request)
        #expect(result.errno == 0, "request \(request) failed with errno \(result.errno)")
        #expect(result.outcome == outcome)
        return result.lockID
    }

    /// The next callback, from the kept ones or the socket.
    func nextCallback(timeout: Int32 = 5000) throws -> DaemonMessage {
        if !callbacks.isEmpty { return callbacks.removeFirst() }
        let frame = try receive(timeout: timeout)
        #expect(frame.requestID == 0)
        return frame.message
    }

    /// The next callback, which must be a completion.
    func completion() throws -> CompletionCallback {
        let message = try nextCallback()
        guard case .completion(let completion) = message else {
            Issue.record("expected a completion, got \(message)")
            throw ClientTimeout()
        }
        return completion
    }

    /// True when nothing arrives within `milliseconds`.
    func isQuiet(milliseconds: Int32 = 150) throws -> Bool {
        guard callbacks.isEmpty else { return false }
        do {
            let frame = try receive(timeout: milliseconds)
            callbacks.append(frame.message)
            return false
        } catch is ClientTimeout {
            return true
        }
    }

    /// True when the daemon closes the connection within the timeout (frames before it are discarded).
    func isClosedByPeer(timeout: Int32 = 3000) -> Bool {
        while true {
            do {
                _ = try receive(timeout: timeout)
            } catch is ClientClosed {
                return true
            } catch is ClientTimeout {
                return false
            } catch {
                return true  // the decoder saw garbage: the stream is over for us too
            }
        }
    }

    /// Sends a QUERY and gathers its text chunks.
    func query(_ kind: QueryKind, _ name: String = "") throws -> String {
        let id = send(.query(kind: kind, name: name))
        var text = ""
        while true {
            let frame = try receive()
            guard frame.requestID == id else {
                callbacks.append(frame.message)
                continue
            }
            guard case .queryText(let last, let chunk) = frame.message else { return "error \(frame.message)" }
            text += chunk
            if last { return text }
        }
    }
}

/// Opens a blocking stream connection to the Unix socket at `path` (shared by the test clients).
/// - Throws: `ClientClosed` when the daemon does not accept it.
func connectUnixSocket(path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
    }
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard result == 0 else {
        close(fd)
        throw ClientClosed()
    }
    return fd
}
