// Tests the proxy's frame splitter: frames split across reads come out whole and unchanged, a
// requested duplicate repeats the next sequenced frame and replays the one before it, unsequenced
// frames (handshake) are never duplicated, and a non-frame stream passes through.

@testable import DLMNemesis
import Testing

@Suite("Nemesis frame splitter")
struct FrameSplitterTests {
    /// A fake peer frame: 28-byte header with `sequence` at 16 and the payload length at 24.
    func frame(sequence: UInt32, payload: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 28)
        for index in 0..<4 {
            header[16 + index] = UInt8(truncatingIfNeeded: sequence >> (8 * UInt32(index)))
            header[24 + index] = UInt8(truncatingIfNeeded: UInt32(payload.count) >> (8 * UInt32(index)))
        }
        return header + payload
    }

    @Test func framesSplitAcrossReadsComeOutWhole() {
        var splitter = FrameSplitter()
        let stream = frame(sequence: 1, payload: [1, 2, 3]) + frame(sequence: 2, payload: [4])
        var out: [UInt8] = []
        for chunk in stride(from: 0, to: stream.count, by: 5) {
            out += splitter.feed(Array(stream[chunk..<min(chunk + 5, stream.count)]), duplicate: { false })
        }
        #expect(out == stream)
    }

    @Test func duplicateRepeatsTheFrameAndReplaysTheOneBefore() {
        var splitter = FrameSplitter()
        let first = frame(sequence: 7, payload: [9])
        let hello = frame(sequence: 0, payload: [1, 1])
        let second = frame(sequence: 8, payload: [8, 8])
        var asked = 0
        let out = splitter.feed(first + hello + second) {
            asked += 1
            return asked == 2
        }
        #expect(asked == 2)  // only the two sequenced frames are offered
        #expect(out == first + hello + second + second + first)
    }

    @Test func nonFrameStreamPassesThrough() {
        var splitter = FrameSplitter()
        let junk = [UInt8](repeating: 0xFF, count: 40)
        #expect(splitter.feed(junk, duplicate: { true }) == junk)
        #expect(splitter.feed([1, 2], duplicate: { true }) == [1, 2])
    }
}
