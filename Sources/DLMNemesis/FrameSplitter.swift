// dlmd — DLMNemesis: cuts one direction of a peer byte stream at frame boundaries so the proxy can
// replay whole frames.

/// Splits a peer-link byte stream into whole frames (28-byte header, payload length at offset 24,
/// little-endian; docs/protocol.md) and emits them unchanged. When asked to duplicate, the next
/// complete *sequenced* frame (sequence ≠ 0) is emitted twice, followed by the sequenced frame before
/// it once more: a duplicate and a replay of an older sequence. Both must be discarded by the
/// receiver's reliable session. A stream that does not parse as frames is passed through untouched.
struct FrameSplitter {
    static let headerBytes = 28
    static let sequenceOffset = 16
    static let lengthOffset = 24
    /// Payload lengths above this mean "not a frame stream": pass bytes through from then on.
    static let payloadBytesMax = 1 << 20

    private var pending: [UInt8] = []
    private var previousSequenced: [UInt8]?
    private var passThrough = false

    /// Adds `bytes`; returns what to forward now. `duplicate` is asked once per complete sequenced frame.
    mutating func feed(_ bytes: [UInt8], duplicate: () -> Bool) -> [UInt8] {
        if passThrough { return bytes }
        pending += bytes
        var out: [UInt8] = []
        while pending.count >= Self.headerBytes {
            let length = Int(Self.u32(pending, at: Self.lengthOffset))
            guard length <= Self.payloadBytesMax else {
                passThrough = true
                out += pending
                pending = []
                return out
            }
            let total = Self.headerBytes + length
            guard pending.count >= total else { break }
            let frame = Array(pending[0..<total])
            pending.removeFirst(total)
            out += frame
            guard Self.u32(frame, at: Self.sequenceOffset) != 0 else { continue }
            if duplicate() {
                out += frame
                if let previousSequenced { out += previousSequenced }
            }
            previousSequenced = frame
        }
        return out
    }

    static func u32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}
