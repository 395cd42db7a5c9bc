// Helpers for the codec tests: decode a byte stream in chunks, capture the first error, patch a
// header's length field, and a seeded generator (SplitMix64) so random cases are reproducible.

import DLMClientProtocol
import DLMCore
import Testing

func decodeAll<M: ClientProtocolMessage>(
    _: M.Type, _ bytes: [UInt8], chunk: (Int) -> Int = { $0 }
) throws -> [Frame<M>] {
    var decoder = FrameDecoder<M>()
    var frames: [Frame<M>] = []
    var index = 0
    while index < bytes.count {
        let size = max(1, min(chunk(bytes.count - index), bytes.count - index))
        decoder.feed(bytes[index..<(index + size)])
        index += size
        while let frame = try decoder.next() { frames.append(frame) }
    }
    #expect(decoder.bufferedBytes == 0)
    return frames
}

func decodeError<M: ClientProtocolMessage>(_: M.Type, _ bytes: [UInt8]) -> ProtocolError? {
    var decoder = FrameDecoder<M>()
    decoder.feed(bytes)
    do {
        while try decoder.next() != nil {}
        return nil
    } catch {
        return error
    }
}

func patchLength(_ bytes: inout [UInt8], _ length: UInt32) {
    for offset in 0..<4 { bytes[8 + offset] = UInt8(truncatingIfNeeded: length >> (8 * offset)) }
}

func randomBytes(_ counts: ClosedRange<Int>, _ rng: inout SeededGenerator) -> [UInt8] {
    (0..<Int.random(in: counts, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
}

/// SplitMix64: small, seeded, reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
