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
}
