// dlmd — DLMCore: lock value blocks.

/// A lock value block: a fixed-length byte array (the lockspace's `lvblen`, 32 for userspace lockspaces).
public struct ValueBlock: Sendable, Hashable {
    /// The block's bytes; always exactly the lockspace's LVB length.
    public private(set) var bytes: [UInt8]

    /// A zero-filled block of `length` bytes.
    public init(zeroed length: Int) {
        bytes = Array(repeating: 0, count: length)
    }

    /// A block holding `bytes`, truncated or zero-padded to `length`.
    public init<Bytes: Collection>(bytes: Bytes, length: Int) where Bytes.Element == UInt8 {
        var copy = Array(bytes.prefix(length))
        if copy.count < length { copy.append(contentsOf: repeatElement(0, count: length - copy.count)) }
        self.bytes = copy
    }

    /// The block's length in bytes.
    public var count: Int { bytes.count }
}
