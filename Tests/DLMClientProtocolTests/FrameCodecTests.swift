// Tests the client-protocol codec (DLMClientProtocol): every request and reply type is encoded and
// decoded back (fixed examples and seeded random values), fed all at once, byte by byte and in random
// chunks; golden bytes pin the header layout; malformed input (truncation, trailing bytes, bad magic,
// versions, lengths, unknown types, impossible field values) must throw the matching ProtocolError.

import DLMClientProtocol
import DLMCore
import Testing

let sampleRequests: [ClientRequest] = [
    .createLockspace(CreateLockspace(flags: [.newExclusive], mode: 0o660, valueBlockLength: 32, name: "alpha")),
    .createLockspace(CreateLockspace(name: String(repeating: "x", count: 64))),
    .openLockspace(name: "default"),
    .releaseLockspace(force: 0),
    .releaseByName(force: 1, name: "ls1"),
    .lock(LockCall(mode: 5, flags: [.noQueue, .valueBlock], name: Array("res".utf8), valueBlock: Array(repeating: 7, count: 32))),
    .lock(LockCall(mode: 3, flags: [.convert], lockID: 42, timeoutCentiseconds: 100, wantsBlockingCallbacks: true, name: [])),
    .lock(LockCall(mode: 9, name: [0, 1, 2, 255])),
    .unlock(UnlockCall(lockID: 1)),
    .unlock(UnlockCall(lockID: 0xFFFF_FFFF, flags: [.cancel], deadlockCancel: true, valueBlock: [1, 2, 3])),
    .purge(nodeID: 0, pid: 1234),
    .query(kind: .lockdebug, name: "default"),
    .query(kind: QueryKind(rawValue: 99), name: ""),
]

let sampleReplies: [DaemonMessage] = [
    .result(RequestResult()),
    .result(RequestResult(errno: 16, lockID: 0, outcome: .noCompletion)),
    .result(RequestResult(errno: 0, lockID: 77, outcome: .completionFollows)),
    .completion(CompletionCallback(lockID: 3, status: .granted, flags: [.valueNotValid], grantedMode: .pw, valueBlock: Array(0..<32))),
    .completion(CompletionCallback(lockID: 3, status: .unlocked, grantedMode: nil)),
    .completion(CompletionCallback(lockID: 9, status: .cancelled, flags: [.demoted, .alternateMode], grantedMode: .nl)),
    .blocking(lockID: 5, mode: .ex),
    .queryText(last: true, text: "lockspace default\n"),
    .queryText(last: false, text: String(repeating: "é", count: 100)),
]

@Test("every request type round-trips", arguments: sampleRequests)
func requestRoundTrip(_ request: ClientRequest) throws {
    let frame = RequestFrame(requestID: 0xDEAD_BEEF, message: request)
    #expect(try decodeAll(ClientRequest.self, frame.bytes) == [frame])
}

@Test("every reply type round-trips", arguments: sampleReplies)
func replyRoundTrip(_ reply: DaemonMessage) throws {
    let frame = ReplyFrame(requestID: 12, message: reply)
    #expect(try decodeAll(DaemonMessage.self, frame.bytes) == [frame])
}

@Test("frames decode the same all at once, byte by byte and in random chunks")
func dripFeed() throws {
    let frames = sampleRequests.enumerated().map { RequestFrame(requestID: UInt32($0.offset), message: $0.element) }
    let stream = frames.flatMap(\.bytes)
    #expect(try decodeAll(ClientRequest.self, stream) == frames)
    #expect(try decodeAll(ClientRequest.self, stream, chunk: { _ in 1 }) == frames)
    var rng = SeededGenerator(seed: 0x5EED)
    for _ in 0..<20 {
        let chunked = try decodeAll(ClientRequest.self, stream, chunk: { _ in Int.random(in: 1...40, using: &rng) })
        #expect(chunked == frames)
    }
}

@Test("seeded random messages round-trip", arguments: [1, 2, 3, 4, 5] as [UInt64])
func randomRoundTrip(seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    for _ in 0..<200 {
        let lock = LockCall(
            mode: UInt32.random(in: 0...6, using: &rng), flags: LockFlags(rawValue: UInt32.random(in: 0...0x7FFFF, using: &rng)),
            lockID: UInt32.random(in: 0...UInt32.max, using: &rng), timeoutCentiseconds: UInt32.random(in: 0...1000, using: &rng),
            wantsBlockingCallbacks: Bool.random(using: &rng), name: randomBytes(0...64, &rng),
            valueBlock: Bool.random(using: &rng) ? randomBytes(1...256, &rng) : nil)
        let request = RequestFrame(requestID: UInt32.random(in: 0...UInt32.max, using: &rng), message: .lock(lock))
        #expect(try decodeAll(ClientRequest.self, request.bytes) == [request])
        let completion = CompletionCallback(
            lockID: UInt32.random(in: 1...1000, using: &rng), status: [.granted, .wouldBlock, .deadlock, .timedOut, .cancelled, .unlocked].randomElement(using: &rng)!,
            flags: StatusFlags(rawValue: UInt8.random(in: 0...7, using: &rng)), grantedMode: LockMode.allCases.randomElement(using: &rng),
            valueBlock: Bool.random(using: &rng) ? randomBytes(1...256, &rng) : nil)
        let reply = ReplyFrame(requestID: 0, message: .completion(completion))
        #expect(try decodeAll(DaemonMessage.self, reply.bytes) == [reply])
    }
}

@Test("golden bytes: OPEN_LOCKSPACE \"default\" with request id 7")
func goldenOpen() {
    let bytes = RequestFrame(requestID: 7, message: .openLockspace(name: "default")).bytes
    let expected: [UInt8] = [
        0x44, 0x4C, 1, 0, 0x02, 0x00, 0, 0, 25, 0, 0, 0, 7, 0, 0, 0,
        7, 0, 0x64, 0x65, 0x66, 0x61, 0x75, 0x6C, 0x74,
    ]
    #expect(bytes == expected)
}

@Test("golden bytes: RESULT EBUSY and BLOCKING EX")
func goldenReplies() {
    let result = ReplyFrame(requestID: 3, message: .result(.failure(.EBUSY))).bytes
    #expect(result == [0x44, 0x4C, 1, 0, 0x81, 0, 0, 0, 25, 0, 0, 0, 3, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 1])
    let blocking = ReplyFrame(requestID: 0, message: .blocking(lockID: 2, mode: .ex)).bytes
    #expect(blocking == [0x44, 0x4C, 1, 0, 0x91, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0])
}

@Test("every proper prefix of a frame asks for more bytes without failing")
func truncatedStreams() throws {
    for request in sampleRequests {
        let bytes = RequestFrame(requestID: 1, message: request).bytes
        for cut in 0..<bytes.count {
            var decoder = FrameDecoder<ClientRequest>()
            decoder.feed(bytes[0..<cut])
            #expect(try decoder.next() == nil)
        }
    }
}

// MARK: - Malformed input

@Test("a length too short for the payload's fields is malformed (truncated)")
func payloadShorterThanFields() {
    var bytes = RequestFrame(requestID: 1, message: .purge(nodeID: 1, pid: 2)).bytes
    bytes.removeLast()
    patchLength(&bytes, UInt32(bytes.count))
    #expect(decodeError(ClientRequest.self, bytes) == .malformedPayload(type: 0x12, reason: .truncated))
}

@Test("bytes after the last field are malformed")
func trailingBytes() {
    var bytes = RequestFrame(requestID: 1, message: .releaseLockspace(force: 0)).bytes
    bytes.append(0)
    patchLength(&bytes, UInt32(bytes.count))
    #expect(decodeError(ClientRequest.self, bytes) == .malformedPayload(type: 0x03, reason: .trailingBytes))
}

@Test("bad magic is rejected from its first byte")
func badMagic() {
    #expect(decodeError(ClientRequest.self, [0x00]) == .badMagic(0))
    #expect(decodeError(ClientRequest.self, Array("GET / HTTP/1.1\r\n\r\n".utf8)) == .badMagic(0x4547))
}

@Test("another major or a higher minor is an unsupported version carrying the request id")
func versions() {
    var bytes = RequestFrame(requestID: 99, message: .releaseLockspace(force: 0)).bytes
    bytes[2] = 2
    #expect(decodeError(ClientRequest.self, bytes) == .unsupportedVersion(major: 2, minor: 0, requestID: 99))
    bytes[2] = 1
    bytes[3] = 1
    #expect(decodeError(ClientRequest.self, bytes) == .unsupportedVersion(major: 1, minor: 1, requestID: 99))
}

@Test("lengths outside 16...4096 are rejected from the header alone", arguments: [0, 15, 4097, 0xFFFF_FFFF] as [UInt32])
func badLengths(length: UInt32) {
    var header = RequestFrame(requestID: 1, message: .releaseLockspace(force: 0)).bytes
    header.removeLast(4)
    patchLength(&header, length)
    #expect(decodeError(ClientRequest.self, header) == .badLength(length))
}

@Test("the largest frame (4096 bytes) is accepted")
func largestFrame() throws {
    let text = String(repeating: "a", count: ClientProtocol.queryTextChunkBytesMax)
    let frame = ReplyFrame(requestID: 1, message: .queryText(last: true, text: text))
    #expect(frame.bytes.count == Limits.clientFrameBytesMax)
    #expect(try decodeAll(DaemonMessage.self, frame.bytes) == [frame])
}

@Test("unknown types and the other direction's types are rejected from the header")
func unknownTypes() {
    var bytes = RequestFrame(requestID: 1, message: .releaseLockspace(force: 0)).bytes
    bytes[4] = 0x77
    #expect(decodeError(ClientRequest.self, Array(bytes.prefix(16))) == .unknownType(0x77))
    let reply = ReplyFrame(requestID: 1, message: .result(RequestResult())).bytes
    #expect(decodeError(ClientRequest.self, reply) == .unknownType(0x81))
    let request = RequestFrame(requestID: 1, message: .openLockspace(name: "x")).bytes
    #expect(decodeError(DaemonMessage.self, request) == .unknownType(0x02))
}

@Test("impossible field values are malformed")
func impossibleValues() {
    var lock = RequestFrame(requestID: 1, message: .lock(LockCall(mode: 1, name: [1]))).bytes
    lock[16 + 16] = 2  // has_bast
    #expect(decodeError(ClientRequest.self, lock) == .malformedPayload(type: 0x10, reason: .badBoolean))
    var stray = RequestFrame(requestID: 1, message: .lock(LockCall(mode: 1, name: [1]))).bytes
    stray.append(contentsOf: [1, 2, 3])
    patchLength(&stray, UInt32(stray.count))
    #expect(decodeError(ClientRequest.self, stray) == .malformedPayload(type: 0x10, reason: .unexpectedValueBlock))
    let big = RequestFrame(requestID: 1, message: .unlock(UnlockCall(lockID: 1, valueBlock: Array(repeating: 0, count: 257)))).bytes
    #expect(decodeError(ClientRequest.self, big) == .malformedPayload(type: 0x11, reason: .badValueBlock))
    var utf8 = RequestFrame(requestID: 1, message: .openLockspace(name: "ab")).bytes
    utf8[18] = 0xFF
    #expect(decodeError(ClientRequest.self, utf8) == .malformedPayload(type: 0x02, reason: .badUTF8))
    var blocking = ReplyFrame(requestID: 0, message: .blocking(lockID: 1, mode: .ex)).bytes
    blocking[20] = 6
    #expect(decodeError(DaemonMessage.self, blocking) == .malformedPayload(type: 0x91, reason: .badMode))
    var status = ReplyFrame(requestID: 0, message: .completion(CompletionCallback(lockID: 1, status: .granted, grantedMode: .ex))).bytes
    status[20] = 1
    #expect(decodeError(DaemonMessage.self, status) == .malformedPayload(type: 0x90, reason: .badStatus))
}

@Test("after an error the decoder keeps failing, even if good bytes follow")
func stickyError() {
    var decoder = FrameDecoder<ClientRequest>()
    decoder.feed([0x00, 0x00])
    #expect(throws: ProtocolError.badMagic(0)) { try decoder.next() }
    decoder.feed(RequestFrame(requestID: 1, message: .releaseLockspace(force: 0)).bytes)
    #expect(throws: ProtocolError.badMagic(0)) { try decoder.next() }
}
