// A raw client-protocol connection to one dlmd node for the cluster tests: requests answered in
// order, callbacks read with a bounded wait (poll with a timeout), queries joined from their chunks.

import DLMClientProtocol
import DLMCore
import Foundation
import Glibc

/// One connection to a node's Unix socket.
final class ClusterClient {
    let fd: Int32
    private var decoder = FrameDecoder<DaemonMessage>()
    private var nextRequest: UInt32 = 1
    /// Callbacks that arrived while waiting for a RESULT.
    private var callbacks: [DaemonMessage] = []

    init(socketPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in socketPath.utf8.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw ClusterTestError("connect \(socketPath) failed")
        }
    }

    deinit { close(fd) }

    /// Sends a request and returns its first answer frame that is not a callback (callbacks are kept).
    func request(_ message: ClientRequest) throws -> DaemonMessage {
        let id = nextRequest
        nextRequest += 1
        let bytes = RequestFrame(requestID: id, message: message).bytes
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw ClusterTestError("short write") }
        while true {
            let frame = try readFrame(timeoutMilliseconds: 10_000)
            if frame.requestID == id { return frame.message }
            callbacks.append(frame.message)
        }
    }

    /// CREATE_LOCKSPACE and expect success.
    func join(_ name: String) throws {
        let answer = try request(.createLockspace(CreateLockspace(name: name)))
        guard answer == .result(RequestResult()) else { throw ClusterTestError("join \(name): \(answer)") }
    }

    /// LOCK; returns the lock id (throws on an errno).
    func lock(
        _ mode: LockMode, _ name: String, flags: LockFlags = [], lockID: LockID = 0, valueBlock: [UInt8]? = nil,
        basts: Bool = false, timeoutCentiseconds: UInt32 = 0
    ) throws -> LockID {
        let call = LockCall(
            mode: UInt32(mode.rawValue), flags: flags, lockID: lockID, timeoutCentiseconds: timeoutCentiseconds,
            wantsBlockingCallbacks: basts, name: Array(name.utf8), valueBlock: valueBlock)
        guard case .result(let result) = try request(.lock(call)), result.errno == 0 else {
            throw ClusterTestError("lock \(name) refused")
        }
        return flags.contains(.convert) ? lockID : result.lockID
    }

    /// UNLOCK; throws on an errno.
    func unlock(_ lockID: LockID, flags: LockFlags = [], valueBlock: [UInt8]? = nil) throws {
        let answer = try request(.unlock(UnlockCall(lockID: lockID, flags: flags, valueBlock: valueBlock)))
        guard case .result(let result) = answer, result.errno == 0 else { throw ClusterTestError("unlock: \(answer)") }
    }

    /// The next callback (completion or bast), waiting up to `timeoutMilliseconds`.
    func callback(timeoutMilliseconds: Int32 = 10_000) throws -> DaemonMessage {
        if !callbacks.isEmpty { return callbacks.removeFirst() }
        return try readFrame(timeoutMilliseconds: timeoutMilliseconds).message
    }

    /// Whether a callback arrives within `milliseconds` (nil = none).
    func callbackIfAny(within milliseconds: Int32) throws -> DaemonMessage? {
        if !callbacks.isEmpty { return callbacks.removeFirst() }
        do {
            return try readFrame(timeoutMilliseconds: milliseconds).message
        } catch let error as ClusterTestError where error.description == "timeout" {
            return nil
        }
    }

    /// Runs a QUERY and joins its chunks.
    func query(_ kind: QueryKind, _ name: String = "") throws -> String {
        var message = try request(.query(kind: kind, name: name))
        var text = ""
        while case .queryText(let last, let piece) = message {
            text += piece
            if last { return text }
            message = try readFrame(timeoutMilliseconds: 10_000).message
        }
        throw ClusterTestError("query \(kind) answered \(message)")
    }

    private func readFrame(timeoutMilliseconds: Int32) throws -> ReplyFrame {
        while true {
            if let frame = try decoder.next() { return frame }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, timeoutMilliseconds) > 0 else { throw ClusterTestError("timeout") }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { throw ClusterTestError("connection closed") }
            decoder.feed(chunk[0..<count])
        }
    }
}
