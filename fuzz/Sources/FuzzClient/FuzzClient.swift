// dlmd fuzz — the client-protocol decoder (DLMClientProtocol.FrameDecoder), both directions.
//
// Each input is decoded as a stream of request frames and as a stream of daemon frames, twice each:
// fed whole, and fed in small chunks along input-dependent boundaries. Properties checked (a
// violation aborts, so libFuzzer keeps the input):
//   - decoding never traps (ASan and Swift's own checks catch memory errors and overflows);
//   - both feedings yield the same frames and end the same way (same error, or waiting for bytes);
//   - every frame re-encodes to exactly the bytes it was decoded from (the ignored reserved field
//     aside), and those bytes decode back to the same frame;
//   - while waiting for more bytes the decoder never holds a whole frame's worth
//     (`bufferedBytes < Limits.clientFrameBytesMax`): a lying length cannot make it buffer more;
//   - an error is sticky: the next call throws it again.

import DLMClientProtocol
import DLMCore
import FuzzDriver

/// How one feeding of an input ended.
struct ClientOutcome<Message: ClientProtocolMessage>: Equatable {
    var frames: [Frame<Message>] = []
    var error: ProtocolError?

    static func == (lhs: Self, rhs: Self) -> Bool {
        guard lhs.frames == rhs.frames else { return false }
        switch (lhs.error, rhs.error) {
        case (nil, nil): return true
        // A bad magic seen from its first byte only reports that byte; the kind must agree.
        case (.badMagic?, .badMagic?): return true
        case let (left?, right?): return left == right
        default: return false
        }
    }
}

enum ClientFuzz {
    static let reservedOffsets = 6..<8

    static func decode<Message: ClientProtocolMessage>(
        _ bytes: [UInt8], as _: Message.Type, chunked: Bool
    ) -> ClientOutcome<Message> {
        var decoder = FrameDecoder<Message>()
        var outcome = ClientOutcome<Message>()
        let pieces = chunked ? FuzzDriver.chunks(of: bytes, maxChunk: 23) : [bytes[...]]
        for piece in pieces {
            decoder.feed(piece)
            do {
                while let frame = try decoder.next() { outcome.frames.append(frame) }
                FuzzDriver.check(
                    decoder.bufferedBytes < ClientProtocol.frameBytesMax,
                    "decoder holds \(decoder.bufferedBytes) bytes while waiting")
            } catch {
                outcome.error = error
                do {
                    _ = try decoder.next()
                    FuzzDriver.check(false, "decoder recovered after \(error)")
                } catch let again {
                    FuzzDriver.check(again == error, "sticky error changed: \(error) then \(again)")
                }
                return outcome
            }
        }
        return outcome
    }

    /// Each frame must be the exact bytes it came from, and must decode back to itself.
    static func checkReencoding<Message: ClientProtocolMessage>(_ frames: [Frame<Message>], of input: [UInt8]) {
        var offset = 0
        for frame in frames {
            let encoded = frame.bytes
            FuzzDriver.check(offset + encoded.count <= input.count, "frame longer than the input")
            var original = Array(input[offset..<(offset + encoded.count)])
            for index in reservedOffsets { original[index] = 0 }
            FuzzDriver.check(original == encoded, "frame \(frame) does not re-encode to its bytes")
            var again = FrameDecoder<Message>()
            again.feed(encoded)
            let redecoded = try? again.next()
            FuzzDriver.check(redecoded == frame, "frame \(frame) does not survive a round trip")
            offset += encoded.count
        }
    }

    static func exercise<Message: ClientProtocolMessage>(_ bytes: [UInt8], as type: Message.Type) {
        let whole = decode(bytes, as: type, chunked: false)
        let chunked = decode(bytes, as: type, chunked: true)
        FuzzDriver.check(whole == chunked, "whole \(whole) and chunked \(chunked) feeding disagree")
        checkReencoding(whole.frames, of: bytes)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func clientFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    ClientFuzz.exercise(bytes, as: ClientRequest.self)
    ClientFuzz.exercise(bytes, as: DaemonMessage.self)
    return 0
}

@_cdecl("FuzzClient_main")
public func fuzzClientMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc: argc, argv: argv, seeds: ClientSeeds.all, callback: clientFuzzOne)
}
