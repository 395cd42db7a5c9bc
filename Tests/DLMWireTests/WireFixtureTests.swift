// Tests the encoder and decoder against the golden byte fixtures in docs/protocol-fixtures/*.hex,
// which were written independently from docs/protocol.md: the Swift encoder must produce exactly
// those bytes, and decoding them must give back the sample frame.

import DLMCore
import Foundation
import NIOCore
import Testing

@testable import DLMWire

@Suite struct WireFixtureTests {
    static let fixtures: [(file: String, type: WireMessageType)] = [
        ("request", .request),
        ("convert", .convert),
        ("status-reply", .statusReply),
        ("names-reply", .namesReply),
        ("lock-transfer", .lockTransfer),
        ("hello", .hello),
        ("heartbeat", .heartbeat),
        ("ack", .ack),
        ("view-heartbeat", .viewHeartbeat),
        ("view-commit", .viewCommit),
    ]

    /// Reads a fixture: `#` lines are comments, the rest is whitespace-separated hex bytes.
    static func load(_ file: String) throws -> [UInt8] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let url = root.appendingPathComponent("docs/protocol-fixtures/\(file).hex")
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.flatMap { line in
            line.split(separator: " ").map { UInt8($0, radix: 16)! }
        }
    }

    @Test(arguments: fixtures)
    func encoderMatchesFixture(file: String, type: WireMessageType) throws {
        let expected = try Self.load(file)
        let encoded = try WireSamples.frame(type).encoded()
        #expect(Array(encoded.readableBytesView) == expected, "fixture \(file)")
    }

    @Test(arguments: fixtures)
    func fixtureDecodesToSample(file: String, type: WireMessageType) throws {
        var buffer = ByteBuffer(bytes: try Self.load(file))
        let frame = try WireFrameDecoder.decodeFrame(from: &buffer)
        #expect(frame == WireSamples.frame(type))
        #expect(buffer.readableBytes == 0)
    }

    /// Protocol 1.2's generation prefix: a REQUEST tagged with view generation 7 (header flag 0x01,
    /// minor 2) matches its fixture both ways, and the untagged 1.1 fixture still decodes untagged.
    @Test func generationPrefixMatchesFixture() throws {
        var tagged = WireSamples.frame(.request)
        tagged.generation = 7
        let expected = try Self.load("request-generation")
        #expect(Array(try tagged.encoded().readableBytesView) == expected)
        var buffer = ByteBuffer(bytes: expected)
        #expect(try WireFrameDecoder.decodeFrame(from: &buffer) == tagged)
        var old = ByteBuffer(bytes: try Self.load("request"))
        #expect(try WireFrameDecoder.decodeFrame(from: &old)?.generation == nil)
    }

    /// The generation flag is refused on link and membership frames, and unknown flag bits on any.
    @Test func generationFlagOnlyOnLockAndRecoveryFrames() throws {
        for (file, flags) in [("heartbeat", UInt8(1)), ("view-commit", UInt8(1)), ("request", UInt8(2))] {
            var bytes = try Self.load(file)
            bytes[7] = flags
            var buffer = ByteBuffer(bytes: bytes)
            #expect(throws: WireError.malformed(.headerFlags), "\(file) flags \(flags)") {
                try WireFrameDecoder.decodeFrame(from: &buffer)
            }
        }
        var heartbeat = WireSamples.frame(.heartbeat)
        heartbeat.generation = 1
        #expect(throws: WireError.malformed(.headerFlags)) { try heartbeat.encoded() }
    }
}
