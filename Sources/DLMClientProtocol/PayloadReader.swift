// dlmd — DLMClientProtocol: bounds-checked little-endian reads and writes over byte arrays.

import DLMCore

/// Reads little-endian fields from one frame's payload. Every read checks the remaining length
/// first and throws `.truncated` instead of reading past the end. Only this module creates readers.
public struct PayloadReader {
    private let bytes: ArraySlice<UInt8>
    private var index: Int
    let type: UInt16

    init(_ bytes: ArraySlice<UInt8>, type: UInt16) {
        self.bytes = bytes
        self.index = bytes.startIndex
        self.type = type
    }

    var remaining: Int { bytes.endIndex - index }

    func fail(_ reason: MalformedReason) -> ProtocolError {
        .malformedPayload(type: type, reason: reason)
    }

    mutating func readInteger<T: FixedWidthInteger>(_: T.Type = T.self) throws(ProtocolError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw fail(.truncated) }
        var value: T = 0
        for offset in 0..<size {
            value |= T(truncatingIfNeeded: bytes[index + offset]) << (8 * offset)
        }
        index += size
        return value
    }

    mutating func readBool() throws(ProtocolError) -> Bool {
        switch try readInteger(UInt8.self) {
        case 0: return false
        case 1: return true
        default: throw fail(.badBoolean)
        }
    }

    mutating func readBytes(count: Int) throws(ProtocolError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw fail(.truncated) }
        let slice = bytes[index..<(index + count)]
        index += count
        return Array(slice)
    }

    /// A `u16` byte count followed by that many bytes.
    mutating func readCountedBytes() throws(ProtocolError) -> [UInt8] {
        let count = Int(try readInteger(UInt16.self))
        return try readBytes(count: count)
    }

    /// A counted string that must be valid UTF-8.
    mutating func readString() throws(ProtocolError) -> String {
        let raw = try readCountedBytes()
        guard let text = String(validating: raw, as: UTF8.self) else { throw fail(.badUTF8) }
        return text
    }

    /// The trailing LVB announced by a `has_lvb` byte: the rest of the payload.
    mutating func readTrailingValueBlock(present: Bool) throws(ProtocolError) -> [UInt8]? {
        guard present else {
            guard remaining == 0 else { throw fail(.unexpectedValueBlock) }
            return nil
        }
        guard remaining >= 1, remaining <= Limits.valueBlockBytesMax else { throw fail(.badValueBlock) }
        return try readBytes(count: remaining)
    }

    /// Throws unless every byte was consumed.
    func finish() throws(ProtocolError) {
        guard remaining == 0 else { throw fail(.trailingBytes) }
    }
}


extension Array where Element == UInt8 {
    mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        var v = value
        for _ in 0..<MemoryLayout<T>.size {
            append(UInt8(truncatingIfNeeded: v))
            v = v >> 8
        }
    }

    mutating func appendBool(_ value: Bool) { append(value ? 1 : 0) }

    mutating func appendCounted<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        invariant(bytes.count <= Int(UInt16.max), "counted field longer than a u16 can say")
        appendInteger(UInt16(bytes.count))
        append(contentsOf: bytes)
    }

    mutating func appendString(_ text: String) { appendCounted(Array(text.utf8)) }
}
