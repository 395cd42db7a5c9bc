// Tests WireFrameDecoder against hostile and partial input: NIOTestUtils' ByteToMessageDecoderVerifier
// (all at once, drip-fed, shuffled), byte-by-byte drip feeding through EmbeddedChannel, truncation at
// every length, oversize declared lengths, bad magic, other major versions, unknown types, and
// corrupted fields and lengths inside otherwise valid frames.

import DLMCore
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import DLMWire

@Suite struct WireFrameDecoderTests {
    private func bytes(of frames: [WireFrame]) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        for frame in frames { try frame.encode(into: &buffer) }
        return buffer
    }

    @Test func verifierAcceptsEveryType() throws {
        let pairs = try WireMessageType.allCases.map { type in
            let frame = WireSamples.frame(type)
            return (try frame.encoded(), [frame])
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { WireFrameByteDecoder() }
    }

    @Test func verifierAcceptsSeededRandomStreams() throws {
        var rng = SeededGenerator(seed: 77)
        var pairs: [(ByteBuffer, [WireFrame])] = []
        for _ in 0..<20 {
            let frames = (0..<Int.random(in: 1...4, using: &rng)).map { _ in
                WireSamples.randomFrame(WireMessageType.allCases.randomElement(using: &rng)!, using: &rng)
            }
            pairs.append((try bytes(of: frames), frames))
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { WireFrameByteDecoder() }
    }

    @Test func dripFedThroughEmbeddedChannel() throws {
        let frames = WireMessageType.allCases.map(WireSamples.frame)
        var stream = try bytes(of: frames)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WireFrameByteDecoder()))
        while let byte = stream.readSlice(length: 1) {
            try channel.writeInbound(byte)
        }
        var decoded: [WireFrame] = []
        while let frame = try channel.readInbound(as: WireFrame.self) { decoded.append(frame) }
        #expect(decoded == frames)
        #expect(try channel.finish().isClean)
    }

    @Test func singleStepProcessorDecodesAcrossChunks() throws {
        let frames = (1...5).map { WireSamples.frame(WireMessageType.allCases[$0 * 4]) }
        var stream = try bytes(of: frames)
        var processor = NIOSingleStepByteToMessageProcessor(WireFrameDecoder())
        var decoded: [WireFrame] = []
        while stream.readableBytes > 0 {
            let chunk = stream.readSlice(length: min(7, stream.readableBytes))!
            try processor.process(buffer: chunk) { decoded.append($0) }
        }
        try processor.finishProcessing(seenEOF: true) { decoded.append($0) }
        #expect(decoded == frames)
    }

    @Test(arguments: WireMessageType.allCases)
    func everyTruncationWaitsThenFailsAtEOF(type: WireMessageType) throws {
        let full = try WireSamples.frame(type).encoded()
        for length in 0..<full.readableBytes {
            var partial = full.getSlice(at: 0, length: length)!
            var decoder = WireFrameDecoder()
            #expect(try decoder.decode(buffer: &partial) == nil)
            #expect(partial.readableBytes == length)
            if length > 0 {
                #expect(throws: WireError.truncated) { try decoder.decodeLast(buffer: &partial, seenEOF: true) }
            }
        }
    }

    @Test func oversizeLengthIsRefusedFromTheHeaderAlone() throws {
        var buffer = try WireSamples.frame(.ack).encoded()
        buffer.setInteger(UInt32(Limits.peerFrameBytesMax), at: 24, endianness: .little)
        var header = buffer.getSlice(at: 0, length: WireFrame.headerBytes)!
        #expect(throws: WireError.frameTooLarge(bytes: WireFrame.headerBytes + Limits.peerFrameBytesMax)) {
            try WireFrameDecoder.decodeFrame(from: &header)
        }
        buffer.setInteger(UInt32.max, at: 24, endianness: .little)
        #expect(throws: WireError.frameTooLarge(bytes: WireFrame.headerBytes + Int(UInt32.max))) {
            try WireFrameDecoder.decodeFrame(from: &buffer)
        }
    }

    @Test func badMagicIsRefusedFromTheFirstByte() throws {
        var one = ByteBuffer(bytes: [0x47])
        #expect(throws: WireError.badMagic(0x47)) { try WireFrameDecoder.decodeFrame(from: &one) }
        var buffer = try WireSamples.frame(.heartbeat).encoded()
        buffer.setInteger(UInt8(0x58), at: 3)
        #expect(throws: WireError.badMagic(0x584D_4C44)) { try WireFrameDecoder.decodeFrame(from: &buffer) }
    }

    @Test func otherMajorVersionIsRefusedAndNewerMinorAccepted() throws {
        var buffer = try WireSamples.frame(.request).encoded()
        buffer.setInteger(UInt8(2), at: 4)
        buffer.setInteger(UInt8(7), at: 5)
        #expect(throws: WireError.unsupportedVersion(major: 2, minor: 7)) { try WireFrameDecoder.decodeFrame(from: &buffer) }
        var newer = try WireSamples.frame(.request).encoded()
        newer.setInteger(UInt8(9), at: 5)
        #expect(try WireFrameDecoder.decodeFrame(from: &newer) == WireSamples.frame(.request))
    }

    @Test(arguments: [UInt8(0), 15, 31, 40, 63, 68, 255])
    func unknownTypeIsRefused(type: UInt8) throws {
        var buffer = try WireSamples.frame(.ack).encoded()
        buffer.setInteger(type, at: 6)
        #expect(throws: WireError.unknownType(type)) { try WireFrameDecoder.decodeFrame(from: &buffer) }
    }

    @Test func corruptedFieldsAreTypedErrors() throws {
        // Offsets are payload-relative; the payload starts at byte 28 (docs/protocol.md).
        let cases: [(WireMessageType, Int, UInt8, WireError)] = [
            (.request, 40, 6, .malformed(.mode)),           // granted mode 6
            (.request, 41, 0xFF, .malformed(.mode)),        // requested mode IV on REQUEST
            (.request, 43, 4, .malformed(.queueStatus)),
            (.request, 44, 4, .malformed(.asts)),
            (.request, 45, 65, .malformed(.name)),          // name length 65
            (.request, 45, 7, .malformed(.name)),           // name longer than the payload
            (.request, 45, 5, .malformed(.trailingBytes)),  // name shorter than the payload
            (.ack, -21, 1, .malformed(.headerFlags)),       // header flags byte (offset 7)
            (.status, 32, 2, .malformed(.headerFlags)),
            (.namesReply, 32, 2, .malformed(.names)),       // complete flag 2
            (.statusReply, 46, 3, .malformed(.slots)),      // slot count 3 vs 2 present
            (.hello, 4, 65, .malformed(.clusterName)),
        ]
        for (type, offset, value, error) in cases {
            var buffer = try WireSamples.frame(type).encoded()
            buffer.setInteger(value, at: WireFrame.headerBytes + offset)
            #expect(throws: error, "type \(type) offset \(offset)") { try WireFrameDecoder.decodeFrame(from: &buffer) }
        }
    }

    /// A payload length that disagrees with the payload's own fields is a typed error, never a crash
    /// or a silently different frame (the missing bytes are zeros, as a peer could send).
    @Test func lyingPayloadLengthsAreRefused() throws {
        var rng = SeededGenerator(seed: 1234)
        for type in WireMessageType.allCases {
            let encoded = try WireSamples.frame(type).encoded()
            let actual = encoded.readableBytes - WireFrame.headerBytes
            let lies = Set([0, 1, actual - 1, actual + 1, actual + 64, Int.random(in: 0...4096, using: &rng)])
            for declared in lies where declared >= 0 && declared != actual {
                var buffer = encoded.getSlice(at: 0, length: WireFrame.headerBytes + min(actual, declared))!
                buffer.setInteger(UInt32(declared), at: 24, endianness: .little)
                buffer.writeBytes(Array(repeating: 0, count: max(0, declared - actual)))
                #expect(throws: WireError.self, "type \(type) declared \(declared)") {
                    try WireFrameDecoder.decodeFrame(from: &buffer)
                }
            }
        }
    }

    @Test func randomGarbageNeverCrashes() {
        var rng = SeededGenerator(seed: 99)
        var refused = 0
        for _ in 0..<2000 {
            var bytes = WireSamples.randomBytes(Int.random(in: 0...200, using: &rng), using: &rng)
            if bytes.count >= 8, Bool.random(using: &rng) {
                bytes.replaceSubrange(0..<4, with: [0x44, 0x4C, 0x4D, 0x57])
                bytes[4] = 1
            }
            var buffer = ByteBuffer(bytes: bytes)
            do { _ = try WireFrameDecoder.decodeFrame(from: &buffer) } catch { refused += 1 }
        }
        #expect(refused > 1000)
    }
}
