// Tests the lockspace-level messages (LOCKSPACE_ANNOUNCE 90, LOCKSPACE_QUERY 91) and the additive
// LKF_TIMEOUT field of lock messages: exact byte layouts, round trips, that both new types are
// sequenced, that a 1.0 lock payload (no timeout) still decodes, and that malformed announces
// (bad name, unsorted weights, odd LVB length, unknown flag) are refused.

import DLMCore
import NIOCore
import Testing

@testable import DLMWire

@Suite struct LockspaceMessageTests {
    private func encode(_ message: WireMessage) throws -> ByteBuffer {
        try WireFrame(lockspace: 0x1234_5678, sender: 2, sequence: 3, message: message).encoded()
    }

    private func payload(of buffer: ByteBuffer) -> [UInt8] {
        Array(buffer.readableBytesView.dropFirst(WireFrame.headerBytes))
    }

    @Test func announceLayoutIsExact() throws {
        let announce = LockspaceAnnounce(
            name: try LockspaceName("ab"), flags: 1, valueBlockLength: 64, masterWeights: [(node: 3, weight: 2)])
        let bytes = payload(of: try encode(.lockspaceAnnounce(announce)))
        #expect(bytes == [1, 0, 0, 0, 64, 0, 2, 1, 0x61, 0x62, 3, 0, 0, 0, 2, 0, 0, 0])
        var buffer = try encode(.lockspaceAnnounce(announce))
        let decoded = try WireFrameDecoder.decodeFrame(from: &buffer)
        #expect(decoded?.message == .lockspaceAnnounce(announce))
        #expect(decoded?.lockspace == 0x1234_5678)
        #expect(announce.noDirectory)
    }

    @Test func queryHasAnEmptyPayloadAndBothTypesAreSequenced() throws {
        #expect(payload(of: try encode(.lockspaceQuery)).isEmpty)
        #expect(WireMessageType.lockspaceAnnounce.isSequenced && WireMessageType.lockspaceQuery.isSequenced)
        #expect(WireMessageType.lockspaceAnnounce.rawValue == 90 && WireMessageType.lockspaceQuery.rawValue == 91)
        #expect(!WireMessageType.lockspaceQuery.isLockMessage)
    }

    /// Rewrites the payload of an encoded announce frame and decodes it.
    private func decodeMutated(_ mutate: (inout [UInt8]) -> Void) throws -> WireFrame? {
        let announce = LockspaceAnnounce(
            name: try LockspaceName("ab"), flags: 0, valueBlockLength: 32,
            masterWeights: [(node: 1, weight: 1), (node: 2, weight: 1)])
        let encoded = try encode(.lockspaceAnnounce(announce))
        var header = Array(encoded.readableBytesView.prefix(WireFrame.headerBytes))
        var body = payload(of: encoded)
        mutate(&body)
        // The header's payload length sits at bytes 24...27 (docs/protocol.md §2).
        let length = UInt32(body.count)
        header.replaceSubrange(WireFrame.headerBytes - 4..<WireFrame.headerBytes, with: withUnsafeBytes(of: length.littleEndian, Array.init))
        var buffer = ByteBuffer(bytes: header + body)
        return try WireFrameDecoder.decodeFrame(from: &buffer)
    }

    @Test func malformedAnnouncesAreRefused() throws {
        #expect(throws: WireError.malformed(.headerFlags)) { try decodeMutated { $0[0] = 2 } }
        #expect(throws: WireError.malformed(.valueBlock)) { try decodeMutated { $0[4] = 33 } }
        #expect(throws: WireError.malformed(.name)) { try decodeMutated { $0[6] = 0 } }
        #expect(throws: WireError.malformed(.name)) { try decodeMutated { $0[8] = 0xFF } }
        #expect(throws: WireError.malformed(.weights)) { try decodeMutated { $0[10] = 9 } }
        #expect(throws: WireError.malformed(.weights)) { try decodeMutated { $0[18] = 1 } }  // duplicate node
        #expect(throws: WireError.malformed(.payloadLength)) { try decodeMutated { $0.removeLast() } }
        #expect(try decodeMutated { _ in } != nil)
    }

    @Test func lockTimeoutIsATrailingOptionalField() throws {
        var message = LockMessage(name: try ResourceName("r"))
        message.requestedMode = .ex
        let plain = try encode(.request(message))
        message.timeoutCentiseconds = 150
        let timed = try encode(.request(message))
        #expect(timed.readableBytes == plain.readableBytes + 4)
        #expect(Array(payload(of: timed).suffix(4)) == [150, 0, 0, 0])
        var buffer = timed
        #expect(try WireFrameDecoder.decodeFrame(from: &buffer)?.message.lockMessage?.timeoutCentiseconds == 150)
        buffer = plain
        #expect(try WireFrameDecoder.decodeFrame(from: &buffer)?.message.lockMessage?.timeoutCentiseconds == nil)
    }
}
