// Tests the daemon against clients that misuse it on purpose, over a real Unix socket (the server
// runs in-process on a temporary socket, see ServerHarness): a client that never reads while another
// client keeps causing blocking callbacks for it (bounded output, then a logged disconnect, others
// unaffected); a client pipelining 10^5 requests without reading (backpressure: the daemon stops
// reading it instead of buffering, and every reply arrives once it reads); and the per-client and
// per-lockspace lock limits (ENOMEM, with other clients and lockspaces unaffected).
// Every wait is bounded by an explicit deadline.

import DLMClientProtocol
import DLMCore
import DLMServer
import Foundation
import Glibc
import InMemoryLogging
import Logging
import Testing

@Suite("hostile clients", .serialized, .timeLimit(.minutes(1)))
struct HostileClientTests {
    static let outputCap = 64 * 1024
    /// Small, so that few basts (one per request, each flushed alone) pass it once the kernel's
    /// socket buffer (about 300 such writes) is full: the test needs few slow debug-build requests.
    static let smallOutputCap = 2 * 1024

    static func warningLogger() -> (Logger, InMemoryLogHandler) {
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "dlmd.test", factory: { _ in handler })
        logger.logLevel = .warning
        return (logger, handler)
    }

    /// Requests as one write (request ids from 1_000_000; replies are only counted, never matched).
    static func batch(_ requests: [ClientRequest]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (index, request) in requests.enumerated() {
            RequestFrame(requestID: UInt32(1_000_000 + index), message: request).encode(into: &bytes)
        }
        return bytes
    }

    @Test("a client that never reads while others cause basts for it is cut off at the output cap; others go on")
    func slowReaderFloodedWithCallbacks() async throws {
        let (logger, log) = Self.warningLogger()
        let configuration = ServiceConfiguration(nodeID: 1, clientOutputBytesMax: Self.smallOutputCap)
        try await withServer(configuration, logger: logger) { harness in
            // The victim holds many EX locks (the engine sends at most one bast per mode and grant per lock,
            // so a flood of basts needs many locks), then stops reading.
            let victim = try harness.client()
            let lockCount = 150
            for batch in stride(from: 0, to: lockCount, by: 50) {
                victim.sendRaw(Self.batch((batch..<(batch + 50)).map { lockRequest(.ex, "v\($0)") }))
                _ = try victim.query(.ls)  // a barrier: every RESULT and grant arrived before its answer
            }
            var small: Int32 = 4096
            setsockopt(victim.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))

            // The other client asks, NOQUEUE with NOQUEUEBAST, for each ascending conflicting mode on
            // every one of them, one request at a time: one bast per request for the victim, never read.
            let other = try harness.client()
            let deadline = Date().addingTimeInterval(40)  // about 1 s normally; sanitizer builds are far slower
            var disconnected = false
            var requests = 0
            outer: for mode in [LockMode.cr, .cw, .pr, .pw, .ex] {
                for index in 0..<lockCount {
                    _ = try other.call(lockRequest(mode, "v\(index)", flags: [.noQueue, .noQueueBlockingCallback]))
                    requests += 1
                    guard requests % 10 == 0 else { continue }
                    disconnected = log.entries.contains { $0.message == "client output limit exceeded, disconnecting" }
                    if disconnected || Date() > deadline { break outer }
                }
            }
            #expect(disconnected, "no disconnect after \(requests) conflicting requests")
            let entry = log.entries.first { $0.message == "client output limit exceeded, disconnecting" }
            #expect(entry?.level == .warning)
            #expect(entry?.metadata["dlm.limit.bytes"] == "\(Self.smallOutputCap)")
            #expect(entry?.metadata["dlm.client.pid"] == "\(getpid())")
            #expect(victim.isClosedByPeer(timeout: 3000))

            // The victim's locks went with its connection; others are served normally.
            let next = try harness.client()
            let mine = try next.ok(lockRequest(.ex, "v0"))
            #expect(try next.completion() == CompletionCallback(lockID: mine, status: .granted, grantedMode: .ex))
        }
    }

    @Test("10^5 pipelined requests from a client that does not read are throttled, not buffered, then all answered")
    func pipelinedFloodBackpressure() async throws {
        let (logger, log) = Self.warningLogger()
        let configuration = ServiceConfiguration(nodeID: 1, clientOutputBytesMax: Self.outputCap)
        try await withServer(configuration, logger: logger) { harness in
            let count = 100_000
            var stream = RequestFrame(requestID: 1, message: .createLockspace(.init(name: "test"))).bytes
            stream.reserveCapacity(count * 26 + 64)
            for index in 0..<count {
                RequestFrame(requestID: UInt32(index + 2), message: .unlock(UnlockCall(lockID: 0xFFFF_FFFF))).encode(into: &stream)
            }
            let flooder = try HostileSocket(path: harness.socketPath)
            let written = Counter()
            let flood = stream
            let writer = Worker { flooder.write(flood, until: Date().addingTimeInterval(20), progress: written) }

            // While the flooder reads nothing, the daemon stops reading it: its writes stall well short
            // of the whole stream, and a well-behaved client is served as usual meanwhile.
            let bystander = try harness.client()
            try await Task.sleep(for: .milliseconds(600))
            let stalledAt = written.value
            let lock = try bystander.ok(lockRequest(.pr, "elsewhere"))
            #expect(try bystander.completion().status == .granted)
            try bystander.ok(.unlock(UnlockCall(lockID: lock)))
            try await Task.sleep(for: .milliseconds(200))
            #expect(written.value < stream.count, "the daemon read the whole flood without its replies being read")
            #expect(written.value - stalledAt < stream.count / 4, "writes kept flowing while nobody read")

            // Once the flooder reads, everything flows: every request is answered, in order.
            var replies = ReplyCollector()
            let deadline = Date().addingTimeInterval(25)
            while replies.frames.count < count + 1, Date() < deadline {
                guard let bytes = flooder.read(waiting: 100) else { break }
                try replies.feed(bytes)
            }
            #expect(writer.wait(seconds: 5))
            #expect(replies.frames.count == count + 1)
            #expect(replies.frames.first?.message == .result(RequestResult()))
            let inOrder = replies.frames.enumerated().allSatisfy { $0.element.requestID == UInt32($0.offset + 1) }
            #expect(inOrder)
            let enoent = replies.frames.dropFirst().allSatisfy { $0.message == .result(.failure(.ENOENT)) }
            #expect(enoent)
            #expect(!log.entries.contains { $0.message == "client output limit exceeded, disconnecting" })
        }
    }

    @Test("the per-client lock limit answers ENOMEM to that client only; conversions still work")
    func perClientLimit() async throws {
        try await withServer(ServiceConfiguration(nodeID: 1, locksPerClientMax: 3)) { harness in
            let greedy = try harness.client()
            let ids = try (0..<3).map { try greedy.ok(lockRequest(.nl, "g\($0)")) }
            #expect(try greedy.call(lockRequest(.nl, "g3")).errno == DLMErrno.ENOMEM.rawValue)
            #expect(try greedy.call(lockRequest(.nl, "g3")).errno == DLMErrno.ENOMEM.rawValue, "stays refused")
            try greedy.ok(lockRequest(.ex, "g0", flags: .convert, lockID: ids[0]))
            let other = try harness.client()
            try other.ok(lockRequest(.nl, "o0"))
            try greedy.ok(.unlock(UnlockCall(lockID: ids[1])))
            try greedy.ok(lockRequest(.nl, "g3"))
        }
    }

    @Test("the per-lockspace lock limit answers ENOMEM in that lockspace only")
    func perLockspaceLimit() async throws {
        try await withServer(ServiceConfiguration(nodeID: 1, locksPerLockspaceMax: 4)) { harness in
            let a = try harness.client()
            let b = try harness.client()
            let first = try a.ok(lockRequest(.nl, "a0"))
            try a.ok(lockRequest(.nl, "a1"))
            try b.ok(lockRequest(.nl, "b0"))
            try b.ok(lockRequest(.nl, "b1"))
            #expect(try a.call(lockRequest(.nl, "a2")).errno == DLMErrno.ENOMEM.rawValue)
            #expect(try b.call(lockRequest(.nl, "b2")).errno == DLMErrno.ENOMEM.rawValue)
            let elsewhere = try harness.client(joining: "other")
            try elsewhere.ok(lockRequest(.nl, "c0"))
            try a.ok(.unlock(UnlockCall(lockID: first)))
            try b.ok(lockRequest(.nl, "b2"))
        }
    }
}
