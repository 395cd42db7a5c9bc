// Tests that every DLMWire message type survives encode → decode unchanged: one hand-picked frame
// per type and 200 seeded random frames per type, checking the encoded length too, and that
// validation refuses out-of-range values before anything is written.

import DLMCore
import NIOCore
import Testing

@testable import DLMWire

@Suite struct WireRoundTripTests {
    private func roundTrip(_ frame: WireFrame) throws -> WireFrame? {
        var buffer = try frame.encoded()
        #expect(buffer.readableBytes == frame.encodedBytes)
        let decoded = try WireFrameDecoder.decodeFrame(from: &buffer)
        #expect(buffer.readableBytes == 0)
        return decoded
    }

    @Test(arguments: WireMessageType.allCases)
    func representativeFrameRoundTrips(type: WireMessageType) throws {
        let frame = WireSamples.frame(type)
        #expect(frame.type == type)
        #expect(try roundTrip(frame) == frame)
    }

    @Test(arguments: WireMessageType.allCases)
    func seededRandomFramesRoundTrip(type: WireMessageType) throws {
        var rng = SeededGenerator(seed: 0x5EED_0000 + UInt64(type.rawValue))
        for _ in 0..<200 {
            let frame = WireSamples.randomFrame(type, using: &rng)
            #expect(try roundTrip(frame) == frame)
        }
    }

    @Test func lockMessageHelpersAgreeWithTypes() {
        for type in WireMessageType.allCases {
            let message = WireSamples.message(type)
            #expect(message.type == type)
            #expect((message.lockMessage != nil) == type.isLockMessage)
            #expect((WireMessage.lock(type, WireSamples.lockMessage()) != nil) == type.isLockMessage)
        }
    }

    @Test func validationRefusesBeforeEncoding() throws {
        var noMode = WireSamples.lockMessage()
        noMode.requestedMode = nil
        var buffer = ByteBuffer()
        #expect(throws: WireError.malformed(.mode)) {
            try WireFrame(lockspace: 1, sender: 1, message: .request(noMode)).encode(into: &buffer)
        }
        var badAsts = WireSamples.lockMessage()
        badAsts.asts = 4
        #expect(throws: WireError.malformed(.asts)) {
            try WireFrame(lockspace: 1, sender: 1, message: .grant(badAsts)).encode(into: &buffer)
        }
        var bigBlock = WireSamples.lockMessage()
        bigBlock.valueBlock = ValueBlock(zeroed: Limits.valueBlockBytesMax + 1)
        #expect(throws: WireError.malformed(.valueBlock)) {
            try WireFrame(lockspace: 1, sender: 1, message: .convert(bigBlock)).encode(into: &buffer)
        }
        let badNonce = Hello(node: 1, clusterName: "c", nonce: [1], mac: Array(repeating: 0, count: 32))
        #expect(throws: WireError.malformed(.nonce)) {
            try WireFrame(lockspace: 0, sender: 1, message: .hello(badNonce)).encode(into: &buffer)
        }
        let noName = Hello(node: 1, clusterName: "", nonce: Array(repeating: 0, count: 32), mac: Array(repeating: 0, count: 32))
        #expect(throws: WireError.malformed(.clusterName)) {
            try WireFrame(lockspace: 0, sender: 1, message: .helloReply(noName)).encode(into: &buffer)
        }
        #expect(buffer.readableBytes == 0)
    }

    @Test func oversizeFrameIsRefusedByEncoder() throws {
        let names = (0..<2000).map { index in WireSamples.name(String(repeating: "n", count: 60) + "\(index)") }
        let frame = WireFrame(lockspace: 1, sender: 1, message: .namesReply(RecoveryHeader(), NamesReply(names: names, complete: true)))
        var buffer = ByteBuffer()
        #expect(throws: WireError.frameTooLarge(bytes: frame.encodedBytes)) { try frame.encode(into: &buffer) }
        #expect(buffer.readableBytes == 0)
    }

    /// A protocol 1.0 HELLO (no trailing incarnation) still decodes, with incarnation 0; a partial
    /// incarnation is refused.
    @Test func helloWithoutIncarnationDecodesAsVersionOnePointZero() throws {
        let hello = Hello(node: 3, clusterName: "alpha", nonce: Array(0..<32), mac: Array(repeating: 9, count: 32), incarnation: 99)
        var full = ByteBuffer()
        hello.encode(into: &full)
        var legacy = full.getSlice(at: 0, length: full.readableBytes - Hello.incarnationBytes)!
        let decoded = try Hello.decode(from: &legacy)
        #expect(decoded.incarnation == 0)
        #expect(decoded.node == 3 && decoded.clusterName == "alpha" && decoded.mac == hello.mac)
        var partial = full.getSlice(at: 0, length: full.readableBytes - 3)!
        #expect(throws: WireError.self) { try Hello.decode(from: &partial) }
        var current = full
        #expect(try Hello.decode(from: &current) == hello)
    }
}
