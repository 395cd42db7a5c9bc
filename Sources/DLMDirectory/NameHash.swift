// dlmd — DLMDirectory: the resource-name hash (Bob Jenkins' lookup3, as the Linux `jhash`; spec §8.1).

import DLMCore

/// The 32-bit hash the directory uses to place resource names on nodes.
///
/// This is Bob Jenkins' lookup3 with the Linux `jhash()` conventions: the state starts at
/// `0xdeadbeef + length + seed`, whole 12-byte blocks are read as little-endian words and mixed, the
/// last 1...12 bytes are added byte by byte and finalised, and an empty input returns the initial `c`.
/// Every node must compute the same value for the same bytes, so this never depends on the host.
public enum NameHash {
    /// The initial value lookup3 adds to the length.
    static let initialValue: UInt32 = 0xdead_beef
    /// Bytes consumed per mixing round.
    static let blockBytes = 12

    /// Hashes a resource name (seed 0, as the kernel does).
    /// - Parameter name: the resource name.
    /// - Returns: the 32-bit hash.
    public static func hash(_ name: ResourceName) -> UInt32 {
        jhash(name.bytes, seed: 0)
    }

    /// lookup3 over arbitrary bytes.
    /// - Parameters:
    ///   - bytes: the input.
    ///   - seed: the initial value (`initval`).
    /// - Returns: the 32-bit hash.
    public static func jhash<Bytes: Collection>(_ bytes: Bytes, seed: UInt32 = 0) -> UInt32
    where Bytes.Element == UInt8 {
        let input = Array(bytes)
        var remaining = input.count
        let start = initialValue &+ UInt32(truncatingIfNeeded: remaining) &+ seed
        var state = MixState(a: start, b: start, c: start)
        var offset = 0
        while remaining > blockBytes {
            state.a &+= littleEndianWord(input, at: offset)
            state.b &+= littleEndianWord(input, at: offset + 4)
            state.c &+= littleEndianWord(input, at: offset + 8)
            state.mix()
            offset += blockBytes
            remaining -= blockBytes
        }
        guard remaining > 0 else { return state.c }
        // Tail: byte i of the rest lands in word i/4 at bit 8*(i%4).
        for index in 0..<remaining {
            let value = UInt32(input[offset + index]) << (8 * UInt32(index % 4))
            switch index / 4 {
            case 0: state.a &+= value
            case 1: state.b &+= value
            default: state.c &+= value
            }
        }
        state.finalize()
        return state.c
    }

    private static func littleEndianWord(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }
}

/// The three-word state of lookup3 and its two scrambling steps.
private struct MixState {
    var a: UInt32
    var b: UInt32
    var c: UInt32

    @inline(__always)
    private static func rotl(_ value: UInt32, _ count: UInt32) -> UInt32 {
        (value << count) | (value >> (32 - count))
    }

    /// The reversible mix applied after each full block (rotations 4, 6, 8, 16, 19, 4).
    mutating func mix() {
        a &-= c; a ^= Self.rotl(c, 4); c &+= b
        b &-= a; b ^= Self.rotl(a, 6); a &+= c
        c &-= b; c ^= Self.rotl(b, 8); b &+= a
        a &-= c; a ^= Self.rotl(c, 16); c &+= b
        b &-= a; b ^= Self.rotl(a, 19); a &+= c
        c &-= b; c ^= Self.rotl(b, 4); b &+= a
    }

    /// The final avalanche (rotations 14, 11, 25, 16, 4, 14, 24).
    mutating func finalize() {
        c ^= b; c &-= Self.rotl(b, 14)
        a ^= c; a &-= Self.rotl(c, 11)
        b ^= a; b &-= Self.rotl(a, 25)
        c ^= b; c &-= Self.rotl(b, 16)
        a ^= c; a &-= Self.rotl(c, 4)
        b ^= a; b &-= Self.rotl(a, 14)
        c ^= b; c &-= Self.rotl(b, 24)
    }
}
