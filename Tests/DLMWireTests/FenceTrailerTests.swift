// Tests the optional fencing trailer of lock messages (clock u64, token u64 after the LVB): it
// round-trips, it is written only when the clock or token is non-zero (so older payloads keep their
// exact length and bytes), and an all-zero trailer is refused as malformed (one encoding per message).

import DLMCore
import NIOCore
import Testing

@testable import DLMWire

@Suite struct FenceTrailerTests {
    func frame(clock: UInt64, token: UInt64, valueBlock: Bool) throws -> WireFrame {
        var message = LockMessage(name: try ResourceName("res"))
        message.grantedMode = .ex
        message.fenceClock = clock
        message.fenceToken = token
        if valueBlock { message.valueBlock = ValueBlock(bytes: [1, 2, 3], length: 32) }
        return WireFrame(lockspace: 9, sender: 2, sequence: 3, message: .grant(message))
    }

    @Test(arguments: [false, true])
    func trailerRoundTrips(valueBlock: Bool) throws {
        let original = try frame(clock: 77, token: 1 << 40 | 77, valueBlock: valueBlock)
        var buffer = try original.encoded()
        #expect(buffer.readableBytes == original.encodedBytes)
        let decoded = try WireFrameDecoder.decodeFrame(from: &buffer)
        #expect(decoded == original)
        // A typed constant, not a literal expression inside #expect: under ASan the macro's AnyHashable
        // conversion of the untyped `1 << 40 | 77` beside a UInt64? reported a stack-buffer-overflow
        // in the Swift runtime (test code only; make sanitize-swift-address).
        let token: UInt64 = 1 << 40 | 77
        #expect(decoded?.message.lockMessage?.fenceToken == token)
    }

    @Test func trailerIsWrittenOnlyWhenNeeded() throws {
        let plain = try frame(clock: 0, token: 0, valueBlock: true).encoded()
        let clockOnly = try frame(clock: 5, token: 0, valueBlock: true).encoded()
        #expect(clockOnly.readableBytes == plain.readableBytes + LockMessage.fenceTrailerBytes)
    }

    @Test func allZeroTrailerIsMalformed() throws {
        let plain = try frame(clock: 0, token: 0, valueBlock: false)
        var bytes = Array(try plain.encoded().readableBytesView)
        bytes += [UInt8](repeating: 0, count: LockMessage.fenceTrailerBytes)
        let length = UInt32(bytes.count - WireFrame.headerBytes)
        for index in 0..<4 { bytes[24 + index] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(index))) }
        var buffer = ByteBuffer(bytes: bytes)
        #expect(throws: WireError.malformed(.fenceTrailer)) { _ = try WireFrameDecoder.decodeFrame(from: &buffer) }
    }
}
