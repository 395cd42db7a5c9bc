// Helpers for the tests that run the real `dlmd` binary: launching it (with extra environment and a
// log file), temporary directories, bounded polling, a raw protocol client over the Unix socket, a
// datagram socket standing in for systemd's NOTIFY_SOCKET, and a one-shot HTTP GET over loopback.
// Every blocking call here is bounded by poll() timeouts.

import DLMClientProtocol
import DLMCore
import Foundation
import Glibc
import Testing

/// The package's root directory (…/Tests/DLMDaemonTests/this file → root).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func dlmdBinary() throws -> String {
    let candidates = [".build/debug/dlmd", ".build/x86_64-unknown-linux-gnu/debug/dlmd"]
        .map { repositoryRoot.appendingPathComponent($0).path }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw DaemonTestError("dlmd binary not built; run `swift build --product dlmd` first")
    }
    return found
}

func launch(_ arguments: [String], standardError: Pipe? = nil) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try dlmdBinary())
    process.arguments = arguments
    if let standardError { process.standardError = standardError }
    try process.run()
    return process
}

/// Starts dlmd through `/bin/sh -c 'WATCHDOG_PID=$$ exec dlmd …'` when `watchdogPIDIsSelf`, so the
/// variable names dlmd's own pid (exec keeps the shell's pid), as systemd sets it.
func launchLogged(
    _ arguments: [String], logPath: String, environment: [String: String] = [:], watchdogPIDIsSelf: Bool = false
) throws -> Process {
    let process = Process()
    let binary = try dlmdBinary()
    if watchdogPIDIsSelf {
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "WATCHDOG_PID=$$; export WATCHDOG_PID; exec \"$0\" \"$@\"", binary] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
    }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    process.standardError = FileHandle(forWritingAtPath: logPath)
    try process.run()
    return process
}

struct DaemonTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func temporaryDirectory() throws -> String {
    var template = Array("/tmp/dlmd-proc-XXXXXX".utf8CString)
    guard let path = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw DaemonTestError("mkdtemp failed")
    }
    return String(cString: path)
}

/// Polls `condition` every 20 ms for up to 10 s.
func waitFor(_ condition: () -> Bool) async throws -> Bool {
    for _ in 0..<500 {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// Sends SIGTERM and waits (bounded) for the exit.
func stopDaemon(_ process: Process) async throws -> Int32 {
    kill(process.processIdentifier, SIGTERM)
    guard try await waitFor({ !process.isRunning }) else {
        kill(process.processIdentifier, SIGKILL)
        throw DaemonTestError("dlmd did not exit after SIGTERM")
    }
    return process.terminationStatus
}

func fileText(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

// MARK: - Raw protocol client

func connectUnix(_ path: String) throws -> Int32 {
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
        throw DaemonTestError("connect failed")
    }
    return fd
}

func sendFrame(_ fd: Int32, _ frame: RequestFrame) throws {
    let bytes = frame.bytes
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw DaemonTestError("short write") }
}

func readFrame(_ fd: Int32, _ decoder: inout FrameDecoder<DaemonMessage>) throws -> ReplyFrame {
    while true {
        if let frame = try decoder.next() { return frame }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 5000) > 0 else { throw DaemonTestError("timed out waiting for a frame") }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { throw DaemonTestError("connection closed") }
        decoder.feed(chunk[0..<count])
    }
}

/// A connection to dlmd speaking the client protocol one request at a time.
final class RawDaemonClient {
    let fd: Int32
    private var decoder = FrameDecoder<DaemonMessage>()
    private var nextRequest: UInt32 = 1

    init(socketPath: String) throws { fd = try connectUnix(socketPath) }
    deinit { close(fd) }

    /// Sends `message` and returns its RESULT (or the joined QUERY_TEXT), skipping nothing else.
    func request(_ message: ClientRequest) throws -> ReplyFrame {
        let id = nextRequest
        nextRequest += 1
        try sendFrame(fd, RequestFrame(requestID: id, message: message))
        return try readFrame(fd, &decoder)
    }

    func next() throws -> ReplyFrame { try readFrame(fd, &decoder) }

    /// Runs a QUERY and joins its chunks.
    func query(_ kind: QueryKind, _ name: String = "") throws -> String {
        var frame = try request(.query(kind: kind, name: name))
        var text = ""
        while case .queryText(let last, let piece) = frame.message {
            text += piece
            if last { return text }
            frame = try next()
        }
        throw DaemonTestError("query \(kind) answered \(frame)")
    }
}

// MARK: - systemd's side of sd_notify

/// A bound AF_UNIX datagram socket collecting sd_notify messages, as systemd's NOTIFY_SOCKET.
final class NotifySocket {
    let path: String
    private let fd: Int32
    private(set) var messages: [String] = []

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw DaemonTestError("bind notify socket failed") }
    }

    deinit { close(fd) }

    /// Reads every datagram that arrives within `milliseconds`.
    func drain(milliseconds: Int32) {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var budget = milliseconds
        while budget > 0 {
            let started = DispatchTime.now()
            guard poll(&poller, 1, budget) > 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
            budget -= Int32((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
        }
    }

    /// Waits (up to 10 s) until some message contains `text`.
    func waitFor(_ text: String) -> Bool {
        for _ in 0..<100 {
            if messages.contains(where: { $0.contains(text) }) { return true }
            drain(milliseconds: 100)
        }
        return messages.contains(where: { $0.contains(text) })
    }

    /// Every assignment received, one `KEY=VALUE` per element, in order.
    var assignments: [String] { messages.flatMap { $0.split(separator: "\n").map(String.init) } }
}

// MARK: - HTTP over loopback

/// A free TCP port on 127.0.0.1 (bound to port 0, read back, closed).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw DaemonTestError("cannot bind a loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A TCP socket listening on 127.0.0.1 (any port) and that port; the caller closes it.
func listeningLoopbackSocket() throws -> (Int32, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let listening = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard listening else {
        close(fd)
        throw DaemonTestError("cannot listen on loopback")
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// `GET path` on 127.0.0.1:port; returns the whole response (head and body). Bounded by 5 s polls.
func httpGet(port: Int, path: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw DaemonTestError("cannot connect to 127.0.0.1:\(port)") }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    var response: [UInt8] = []
    var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    while poll(&poller, 1, 5000) > 0 {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { break }
        response += chunk[0..<count]
    }
    return String(decoding: response, as: UTF8.self)
}
