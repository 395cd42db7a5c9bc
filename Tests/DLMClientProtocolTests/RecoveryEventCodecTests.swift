// Tests the client-protocol codec of the recovery-event extension: the RECOVERY_EVENTS request and
// every RECOVERY_EVENT kind (prep, slot, done with 0, 2 and the most members a frame holds) round-trip
// all at once and byte by byte; golden bytes pin the payload layouts of docs/client-protocol.md; and
// malformed payloads (unknown kind, a member count larger or smaller than the pairs present, a
// truncated slot, a bad enable byte) throw the matching ProtocolError.

import DLMClientProtocol
import DLMCore
import Testing

let sampleNotices: [RecoveryNotice] = [
    .prep,
    .slot(node: 3, slot: 3),
    .slot(node: 0xFFFF_FFFF, slot: 0),
    .done(generation: 7, ourSlot: 1, members: [RecoveryMemberSlot(node: 1, slot: 1), RecoveryMemberSlot(node: 2, slot: 2)]),
    .done(generation: UInt64.max, ourSlot: 0, members: []),
    .done(generation: 2, ourSlot: 9, members: (1...UInt32(RecoveryNotice.membersMax)).map { RecoveryMemberSlot(node: $0, slot: UInt16($0 % 65_000)) }),
]

@Suite("RECOVERY_EVENTS / RECOVERY_EVENT codec")
struct RecoveryEventCodecTests {
    @Test("every recovery notice round-trips whole and byte by byte", arguments: sampleNotices)
    func noticeRoundTrip(_ notice: RecoveryNotice) throws {
        let frame = ReplyFrame(requestID: 0, message: .recoveryEvent(notice))
        #expect(try decodeAll(DaemonMessage.self, frame.bytes) == [frame])
        #expect(try decodeAll(DaemonMessage.self, frame.bytes, chunk: { _ in 1 }) == [frame])
    }

    @Test("RECOVERY_EVENTS round-trips with both values")
    func subscribeRoundTrip() throws {
        for enable in [true, false] {
            let frame = RequestFrame(requestID: 4, message: .recoveryEvents(enable: enable))
            #expect(try decodeAll(ClientRequest.self, frame.bytes) == [frame])
        }
    }

    @Test("the largest member list fills the frame to at most 4096 bytes")
    func largestDoneFits() {
        let members = (1...UInt32(RecoveryNotice.membersMax)).map { RecoveryMemberSlot(node: $0, slot: 1) }
        let bytes = ReplyFrame(requestID: 0, message: .recoveryEvent(.done(generation: 1, ourSlot: 1, members: members))).bytes
        #expect(RecoveryNotice.membersMax == 677)
        #expect(bytes.count <= Limits.clientFrameBytesMax && bytes.count + 6 > Limits.clientFrameBytesMax)
    }

    @Test("golden bytes: RECOVERY_EVENTS, prep, slot and done")
    func golden() {
        let header: (UInt8, UInt8) -> [UInt8] = { type, length in [0x44, 0x4C, 1, 0, type, 0, 0, 0, length, 0, 0, 0, 0, 0, 0, 0] }
        #expect(RequestFrame(requestID: 0, message: .recoveryEvents(enable: true)).bytes == header(0x14, 17) + [1])
        #expect(ReplyFrame(requestID: 0, message: .recoveryEvent(.prep)).bytes == header(0x94, 17) + [1])
        #expect(ReplyFrame(requestID: 0, message: .recoveryEvent(.slot(node: 3, slot: 5))).bytes == header(0x94, 23) + [2, 3, 0, 0, 0, 5, 0])
        let done = RecoveryNotice.done(generation: 0x0102, ourSlot: 1, members: [RecoveryMemberSlot(node: 2, slot: 2)])
        #expect(
            ReplyFrame(requestID: 0, message: .recoveryEvent(done)).bytes
                == header(0x94, 35) + [3, 2, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 2, 0, 0, 0, 2, 0])
    }

    @Test("malformed recovery payloads are rejected")
    func malformed() {
        var kind = ReplyFrame(requestID: 0, message: .recoveryEvent(.prep)).bytes
        kind[16] = 4
        #expect(decodeError(DaemonMessage.self, kind) == .malformedPayload(type: 0x94, reason: .badRecoveryKind))
        kind[16] = 0
        #expect(decodeError(DaemonMessage.self, kind) == .malformedPayload(type: 0x94, reason: .badRecoveryKind))

        let done = RecoveryNotice.done(generation: 5, ourSlot: 1, members: [RecoveryMemberSlot(node: 1, slot: 1), RecoveryMemberSlot(node: 2, slot: 2)])
        var tooMany = ReplyFrame(requestID: 0, message: .recoveryEvent(done)).bytes
        tooMany[16 + 11] = 3  // count 3, two pairs present
        #expect(decodeError(DaemonMessage.self, tooMany) == .malformedPayload(type: 0x94, reason: .truncated))
        var tooFew = ReplyFrame(requestID: 0, message: .recoveryEvent(done)).bytes
        tooFew[16 + 11] = 1  // count 1, two pairs present
        #expect(decodeError(DaemonMessage.self, tooFew) == .malformedPayload(type: 0x94, reason: .trailingBytes))
        var shortPair = ReplyFrame(requestID: 0, message: .recoveryEvent(done)).bytes
        shortPair.removeLast()
        patchLength(&shortPair, UInt32(shortPair.count))
        #expect(decodeError(DaemonMessage.self, shortPair) == .malformedPayload(type: 0x94, reason: .truncated))

        var slot = ReplyFrame(requestID: 0, message: .recoveryEvent(.slot(node: 1, slot: 1))).bytes
        slot.removeLast(2)
        patchLength(&slot, UInt32(slot.count))
        #expect(decodeError(DaemonMessage.self, slot) == .malformedPayload(type: 0x94, reason: .truncated))
        var prep = ReplyFrame(requestID: 0, message: .recoveryEvent(.prep)).bytes
        prep.append(0)
        patchLength(&prep, UInt32(prep.count))
        #expect(decodeError(DaemonMessage.self, prep) == .malformedPayload(type: 0x94, reason: .trailingBytes))
        var empty = ReplyFrame(requestID: 0, message: .recoveryEvent(.prep)).bytes
        empty.removeLast()
        patchLength(&empty, UInt32(empty.count))
        #expect(decodeError(DaemonMessage.self, empty) == .malformedPayload(type: 0x94, reason: .truncated))

        var enable = RequestFrame(requestID: 1, message: .recoveryEvents(enable: true)).bytes
        enable[16] = 2
        #expect(decodeError(ClientRequest.self, enable) == .malformedPayload(type: 0x14, reason: .badBoolean))
        let request = RequestFrame(requestID: 1, message: .recoveryEvents(enable: true)).bytes
        #expect(decodeError(DaemonMessage.self, request) == .unknownType(0x14))
        let event = ReplyFrame(requestID: 0, message: .recoveryEvent(.prep)).bytes
        #expect(decodeError(ClientRequest.self, event) == .unknownType(0x94))
    }
}
