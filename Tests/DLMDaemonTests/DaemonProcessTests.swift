// Tests the built `dlmd` executable as a real process: started with a temporary config file it
// listens on the configured socket, creates its configured lockspace, serves an OPEN + LOCK + QUERY
// from a raw socket client, and on SIGTERM shuts down gracefully (exit 0, socket file removed).
// A config with a bad line makes it refuse to start with "line N: message". Every wait is bounded.

import DLMClientProtocol
import DLMCore
import Foundation
import Glibc
import Testing

@Suite("dlmd process", .timeLimit(.minutes(1)))
struct DaemonProcessTests {
    @Test("dlmd serves a client from its config and stops cleanly on SIGTERM")
    func serveAndStop() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/dlmd.sock"
        let configPath = directory + "/test.conf"
        try "our_nodeid=7\nsocket=\(socketPath)\nlog_level=warning\nlockspace default mode=0666\n"
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let process = try launch(["--config", configPath, "--foreground"])
        defer { if process.isRunning { process.terminate() } }
        #expect(try await waitFor { FileManager.default.fileExists(atPath: socketPath) }, "socket appears")

        let fd = try connectUnix(socketPath)
        defer { close(fd) }
        var decoder = FrameDecoder<DaemonMessage>()
        try sendFrame(fd, RequestFrame(requestID: 1, message: .openLockspace(name: "default")))
        #expect(try readFrame(fd, &decoder) == ReplyFrame(requestID: 1, message: .result(RequestResult())))
        try sendFrame(fd, RequestFrame(requestID: 2, message: .lock(LockCall(mode: 5, name: Array("r".utf8)))))
        let result = try readFrame(fd, &decoder)
        #expect(result == ReplyFrame(requestID: 2, message: .result(RequestResult(errno: 0, lockID: 1))))
        let completion = try readFrame(fd, &decoder)
        #expect(completion.message == .completion(CompletionCallback(lockID: 1, status: .granted, grantedMode: .ex)))
        try sendFrame(fd, RequestFrame(requestID: 3, message: .query(kind: .dumpConfig, name: "")))
        guard case .queryText(_, let text) = try readFrame(fd, &decoder).message else {
            Issue.record("expected query text")
            return
        }
        #expect(text.contains("our_nodeid=7 (dlm.conf)"))

        kill(process.processIdentifier, SIGTERM)
        #expect(try await waitFor { !process.isRunning }, "exits after SIGTERM")
        #expect(process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: socketPath), "socket file removed")
    }

    @Test("dlmd refuses to start on a bad config line and says which")
    func badConfig() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configPath = directory + "/bad.conf"
        try "# fine\nsocket=\(directory)/s.sock\nnode id=x addr=a port=1\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let errors = Pipe()
        let process = try launch(["--config", configPath], standardError: errors)
        #expect(try await waitFor { !process.isRunning })
        #expect(process.terminationStatus == 1)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("bad.conf: line 3: id must be a number in 1...4294967295"))
    }
}

// MARK: - Helpers

private func dlmdBinary() throws -> String {
    let candidates = [".build/debug/dlmd", ".build/x86_64-unknown-linux-gnu/debug/dlmd"]
        .map { packageRoot.appendingPathComponent($0).path }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw DaemonTestError("dlmd binary not built; run `swift build --product dlmd` first")
    }
    return found
}

private func launch(_ arguments: [String], standardError: Pipe? = nil) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try dlmdBinary())
    process.arguments = arguments
    if let standardError { process.standardError = standardError }
    try process.run()
    return process
}

struct DaemonTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private func temporaryDirectory() throws -> String {
    var template = Array("/tmp/dlmd-proc-XXXXXX".utf8CString)
    guard let path = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw DaemonTestError("mkdtemp failed")
    }
    return String(cString: path)
}

/// Polls `condition` every 20 ms for up to 10 s.
private func waitFor(_ condition: () -> Bool) async throws -> Bool {
    for _ in 0..<500 {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

private func connectUnix(_ path: String) throws -> Int32 {
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

private func sendFrame(_ fd: Int32, _ frame: RequestFrame) throws {
    let bytes = frame.bytes
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw DaemonTestError("short write") }
}

private func readFrame(_ fd: Int32, _ decoder: inout FrameDecoder<DaemonMessage>) throws -> ReplyFrame {
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
