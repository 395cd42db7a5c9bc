// dlmd fuzz — the node-to-node frame decoder (DLMWire.WireFrameDecoder).
//
// Each input is decoded as a stream of peer frames twice: fed whole, and appended to the buffer in
// small chunks along input-dependent boundaries (as a socket delivers it). Properties checked (a
// violation aborts, so libFuzzer keeps the input):
//   - decoding never traps (ASan and Swift's own checks catch memory errors and overflows);
//   - both feedings yield the same frames and end the same way (same error, or waiting for bytes);
//   - every frame passes `validate()`, re-encodes to exactly the bytes it was decoded from (the
//     header's minor version and reserved payload fields aside, which receivers ignore — see
//     WireReserved), and those bytes decode to the same frame;
//   - while waiting for bytes the buffer never holds a whole maximal frame
//     (`readableBytes < Limits.peerFrameBytesMax`): a lying length cannot make it wait for more.

import DLMCore
import DLMWire
import FuzzDriver
import NIOCore

/// How one feeding of an input ended.
struct WireOutcome: Equatable {
    var frames: [WireFrame] = []
    var error: WireError?

    static func == (lhs: Self, rhs: Self) -> Bool {
        guard lhs.frames == rhs.frames else { return false }
        switch (lhs.error, rhs.error) {
        case (nil, nil): return true
        // A bad magic seen from a prefix only reports that prefix; the kind must agree.
        case (.badMagic?, .badMagic?): return true
        case let (left?, right?): return left == right
        default: return false
        }
    }
}

enum WireFuzz {
    static let allocator = ByteBufferAllocator()

    static func decode(_ bytes: [UInt8], chunked: Bool) -> WireOutcome {
        var buffer = allocator.buffer(capacity: chunked ? 64 : bytes.count)
        var outcome = WireOutcome()
        let pieces = chunked ? FuzzDriver.chunks(of: bytes, maxChunk: 61) : [bytes[...]]
        for piece in pieces {
            buffer.writeBytes(piece)
            do {
                while let frame = try WireFrameDecoder.decodeFrame(from: &buffer) { outcome.frames.append(frame) }
                FuzzDriver.check(
                    buffer.readableBytes < Limits.peerFrameBytesMax,
                    "decoder waits with \(buffer.readableBytes) bytes buffered")
            } catch {
                outcome.error = error
                return outcome
            }
        }
        return outcome
    }

    /// Each frame must be valid, be the exact bytes it came from, and decode back to itself.
    static func checkReencoding(_ frames: [WireFrame], of input: [UInt8]) {
        var offset = 0
        for frame in frames {
            let encoded: [UInt8]
            do {
                try frame.validate()
                encoded = Array(try frame.encoded(allocator: allocator).readableBytesView)
            } catch {
                FuzzDriver.check(false, "decoded frame \(frame) does not encode: \(error)")
                return
            }
            // The frame's own length, from its header (payload length at offset 24, little-endian).
            FuzzDriver.check(offset + WireFrame.headerBytes <= input.count, "frame header beyond the input")
            let payloadLength = (24..<28).reduce(0) { $0 | Int(input[offset + $1]) << (8 * ($1 - 24)) }
            let originalLength = WireFrame.headerBytes + payloadLength
            FuzzDriver.check(offset + originalLength <= input.count, "frame longer than the input")
            var again = allocator.buffer(bytes: encoded)
            let redecoded = try? WireFrameDecoder.decodeFrame(from: &again)
            FuzzDriver.check(redecoded == frame, "frame \(frame) does not survive a round trip")
            // HELLO has optional trailing fields (1.1 added the incarnation): one without them is decoded
            // with defaults and a longer one's extra tail is ignored, and both re-encode in our layout, so
            // a HELLO must re-encode to exactly its bytes only when it has exactly our layout's length
            // and minor.
            let isHello = frame.type == .hello || frame.type == .helloReply
            let exactLayout = input[offset + 5] == encoded[5] && encoded.count == originalLength
            if !isHello || exactLayout {
                var original = Array(input[offset..<(offset + originalLength)])
                WireReserved.mask(&original, type: frame.type)
                FuzzDriver.check(original == encoded, "frame \(frame) does not re-encode to its bytes")
            }
            offset += originalLength
        }
    }

    static func exercise(_ bytes: [UInt8]) {
        let whole = decode(bytes, chunked: false)
        let chunked = decode(bytes, chunked: true)
        FuzzDriver.check(whole == chunked, "whole \(whole) and chunked \(chunked) feeding disagree")
        checkReencoding(whole.frames, of: bytes)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func wireFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    WireFuzz.exercise(bytes)
    return 0
}

@_cdecl("FuzzWire_main")
public func fuzzWireMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc: argc, argv: argv, seeds: WireSeeds.all, callback: wireFuzzOne)
}
