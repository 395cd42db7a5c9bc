// dlmd — DLMWire: bounded little-endian reads and writes shared by every payload codec.

import DLMCore
import NIOCore

extension ByteBuffer {
    /// Reads a little-endian integer or fails with `truncated` payload.
    @inlinable
    mutating func readWire<T: FixedWidthInteger>(_: T.Type = T.self) throws(WireError) -> T {
        guard let value = readInteger(endianness: .little, as: T.self) else {
            throw .malformed(.payloadLength)
        }
        return value
    }

    /// Writes a little-endian integer.
    @inlinable
    mutating func writeWire<T: FixedWidthInteger>(_ value: T) {
        writeInteger(value, endianness: .little, as: T.self)
    }

    /// Reads exactly `count` bytes; `count` was checked against the readable bytes first, so a lying
    /// length cannot make this allocate more than the frame holds.
    mutating func readWireBytes(_ count: Int, field: WireField) throws(WireError) -> [UInt8] {
        guard count >= 0, count <= readableBytes, let bytes = readBytes(length: count) else {
            throw .malformed(field)
        }
        return bytes
    }

    /// Reads `count` bytes as a resource name (≤ 64 bytes).
    mutating func readWireName(count: Int) throws(WireError) -> ResourceName {
        guard count <= Limits.resourceNameBytesMax else { throw .malformed(.name) }
        let bytes = try readWireBytes(count, field: .name)
        do {
            return try ResourceName(bytes: bytes)
        } catch {
            throw .malformed(.name)
        }
    }

    /// Reads an optional LVB whose length field was `length` (`WireCodec.noValueBlock` = absent).
    mutating func readWireValueBlock(length: UInt16) throws(WireError) -> ValueBlock? {
        if length == WireCodec.noValueBlock { return nil }
        guard Int(length) <= Limits.valueBlockBytesMax else { throw .malformed(.valueBlock) }
        let bytes = try readWireBytes(Int(length), field: .valueBlock)
        return ValueBlock(bytes: bytes, length: bytes.count)
    }

    /// Reads a name preceded by its u8 length.
    mutating func readWireShortName() throws(WireError) -> ResourceName {
        let length: UInt8 = try readWire()
        return try readWireName(count: Int(length))
    }

    /// Writes a name preceded by its u8 length.
    mutating func writeWireShortName(_ name: ResourceName) {
        writeWire(UInt8(name.bytes.count))
        writeBytes(name.bytes)
    }

    /// Fails unless every byte of the payload was consumed.
    func expectFullyRead() throws(WireError) {
        guard readableBytes == 0 else { throw .malformed(.trailingBytes) }
    }
}

/// Constants of the encoding shared by the codecs.
public enum WireCodec {
    /// Value of an LVB length field meaning "no LVB".
    public static let noValueBlock: UInt16 = 0xFFFF
    /// Wire value of "no mode" (`DLM_LOCK_IV`).
    public static let noMode: Int8 = -1

    /// Encodes an optional mode.
    static func modeByte(_ mode: LockMode?) -> Int8 { mode?.rawValue ?? noMode }

    /// Decodes an optional mode; values outside -1...5 are malformed.
    static func mode(_ byte: Int8) throws(WireError) -> LockMode? {
        if byte == noMode { return nil }
        guard let mode = LockMode(rawValue: byte) else { throw .malformed(.mode) }
        return mode
    }

    /// The length field of an optional LVB.
    static func valueBlockLength(_ block: ValueBlock?) -> UInt16 {
        block.map { UInt16($0.count) } ?? noValueBlock
    }
}
