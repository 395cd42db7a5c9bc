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
