// Tests the daemon against hostile bytes over a real Unix socket (in-process server on a temporary
// socket, see ServerHarness): 50 connections sending seeded garbage, lying lengths, unknown types,
// truncated payloads, half frames and well-formed attacks on another client's locks, while a
// legitimate client holds locks (they stay held and usable); and slowloris connections dribbling a
// header one byte per 10 ms, then stalling, while a legitimate client keeps locking (it is not
// slowed). Every wait is bounded by an explicit deadline.

import DLMClientProtocol
import DLMCore
import DLMServer
import Foundation
import Glibc
import Testing

@Suite("hostile input", .timeLimit(.minutes(1)))
struct HostileInputTests {
    /// The kinds of abuse the flood cycles through.
    enum Abuse: Int, CaseIterable {
        case randomBytes, lyingLength, unknownType, truncatedPayload, halfFrame, foreignUnlock

        /// Whether the daemon must close the connection for it.
        var closes: Bool { self != .halfFrame && self != .foreignUnlock }
    }

    static func header(type: UInt16, length: UInt32, requestID: UInt32 = 9) -> [UInt8] {
        var bytes: [UInt8] = [0x44, 0x4C, 1, 0, UInt8(type & 0xFF), UInt8(type >> 8), 0, 0]
        withUnsafeBytes(of: length.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: requestID.littleEndian) { bytes += $0 }
        return bytes
    }

    static func payload(for abuse: Abuse, index: Int, victimLock: LockID, rng: inout SeededBytes) -> [UInt8] {
        switch abuse {
        case .randomBytes:
            return [0x00] + rng.bytes(4096)  // a first byte that is never the magic's
        case .lyingLength:
            return header(type: MessageType.lock.rawValue, length: 0xFFFF_FFF0) + rng.bytes(512)
        case .unknownType:
            return header(type: 0x7777, length: 16)
        case .truncatedPayload:
            return header(type: MessageType.lock.rawValue, length: 16 + 5) + rng.bytes(5)
        case .halfFrame:
            return header(type: MessageType.lock.rawValue, length: 4096) + rng.bytes(100)
        case .foreignUnlock:
            let join = RequestFrame(requestID: 1, message: .createLockspace(.init(name: "test"))).bytes
            let unlock = RequestFrame(
                requestID: 2, message: .unlock(UnlockCall(lockID: victimLock, flags: [.forceUnlock]))).bytes
            let convert = RequestFrame(
                requestID: 3, message: lockRequest(.nl, "held", flags: .convert, lockID: victimLock)).bytes
            return join + unlock + convert
        }
    }

    @Test("garbage from 50 connections closes those connections and leaves a legitimate client's locks alone")
    func garbageFlood() async throws {
        try await withServer { harness in
            let legit = try harness.client()
            let held = try legit.ok(lockRequest(.ex, "held"))
            #expect(try legit.completion().status == .granted)
            let shared = try legit.ok(lockRequest(.pr, "shared"))
            #expect(try legit.completion().status == .granted)

            var rng = SeededBytes(seed: 0xD1_5EA5E)
            var hostile: [(Abuse, HostileSocket)] = []
            for index in 0..<50 {
                let abuse = Abuse.allCases[index % Abuse.allCases.count]
                let socket = try HostileSocket(path: harness.socketPath)
                socket.write(Self.payload(for: abuse, index: index, victimLock: held, rng: &rng), until: Date().addingTimeInterval(2))
                hostile.append((abuse, socket))
            }
            for (abuse, socket) in hostile where abuse.closes {
                #expect(socket.isClosedByPeer(within: 3), "\(abuse) left open")
            }
            for (abuse, socket) in hostile where abuse == .foreignUnlock {
                var replies = ReplyCollector()
                let deadline = Date().addingTimeInterval(3)
                while replies.frames.count < 3, Date() < deadline, let bytes = socket.read(waiting: 100) { try replies.feed(bytes) }
                #expect(replies.frames.map(\.message) == [
                    .result(RequestResult()), .result(.failure(.ENOENT)), .result(.failure(.ENOENT)),
                ], "\(abuse)")
            }

            // The legitimate client's locks are intact and it is served normally.
            let dump = try legit.query(.lockdump, "test")
            #expect(dump.contains("gr EX") && dump.contains("\"held\"") && dump.contains("gr PR") && dump.contains("\"shared\""))
            let probe = try harness.client()
            try probe.ok(lockRequest(.ex, "held", flags: .noQueue))
            #expect(try probe.completion().status == .wouldBlock)
            try legit.ok(.unlock(UnlockCall(lockID: held)))
            #expect(try legit.completion().status == .unlocked)
            try legit.ok(lockRequest(.ex, "shared", flags: .convert, lockID: shared))
            #expect(try legit.completion() == CompletionCallback(lockID: shared, status: .granted, grantedMode: .ex))
        }
    }

    @Test("slowloris headers (1 byte per 10 ms, then a stall) do not slow down other clients")
    func slowloris() async throws {
        try await withServer { harness in
            let open = RequestFrame(requestID: 42, message: .openLockspace(name: "test")).bytes
            let dribblers = try (0..<10).map { _ in try HostileSocket(path: harness.socketPath) }
            let dribbling = Worker {
                for index in 0..<12 {  // most of a header, then nothing more
                    for socket in dribblers { socket.write([open[index]], until: Date().addingTimeInterval(1)) }
                    usleep(10_000)
                }
            }

            let legit = try harness.client()
            var slowest: TimeInterval = 0
            let start = Date()
            var round = 0
            while round < 40 || !dribbling.wait(seconds: 0), Date().timeIntervalSince(start) < 8 {  // overlap the dribble
                round += 1
                let began = Date()
                let lock = try legit.ok(lockRequest(.ex, "busy\(round % 4)"))
                #expect(try legit.completion().status == .granted)
                try legit.ok(.unlock(UnlockCall(lockID: lock)))
                #expect(try legit.completion().status == .unlocked)
                slowest = max(slowest, Date().timeIntervalSince(began))
            }
            #expect(dribbling.wait(seconds: 5))
            #expect(slowest < 1.0, "a round trip took \(slowest) s")
            #expect(Date().timeIntervalSince(start) < 8)

            // The stalled connections were only waiting: finishing a frame gets it answered.
            let finisher = dribblers[0]
            finisher.write(Array(open[12...]), until: Date().addingTimeInterval(1))
            var replies = ReplyCollector()
            let deadline = Date().addingTimeInterval(3)
            while replies.frames.isEmpty, Date() < deadline, let bytes = finisher.read(waiting: 100) { try replies.feed(bytes) }
            #expect(replies.frames.first == ReplyFrame(requestID: 42, message: .result(RequestResult())))
        }
    }
}
