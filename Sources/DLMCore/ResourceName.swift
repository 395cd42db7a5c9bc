// dlmd — DLMCore: validated resource and lockspace names.

/// A resource name: 0...64 arbitrary bytes. Names are compared byte for byte with their length, so
/// `"a"` and `"a\0"` are distinct resources (unlike the kernel's zero-padded keys; spec edge case 55).
public struct ResourceName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The name's bytes.
    public let bytes: [UInt8]

    /// Creates a name from bytes.
    /// - Throws: `DLMErrno.EINVAL` when longer than `Limits.resourceNameBytesMax`.
    public init<Bytes: Collection>(bytes: Bytes) throws(DLMErrno) where Bytes.Element == UInt8 {
        guard bytes.count <= Limits.resourceNameBytesMax else { throw .EINVAL }
        self.bytes = Array(bytes)
    }

    /// Creates a name from a string's UTF-8 bytes.
    /// - Throws: `DLMErrno.EINVAL` when longer than 64 bytes.
    public init(_ string: String) throws(DLMErrno) {
        try self.init(bytes: Array(string.utf8))
    }

    public static func < (lhs: ResourceName, rhs: ResourceName) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// Printable form: UTF-8 text when printable, else hex (as `dlm_tool` shows binary names).
    public var description: String {
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        return "0x" + bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}

/// A lockspace name: 1...64 bytes.
public struct LockspaceName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The name as text.
    public let value: String

    /// - Throws: `DLMErrno.EINVAL` when empty or longer than `Limits.lockspaceNameBytesMax`.
    public init(_ value: String) throws(DLMErrno) {
        let count = value.utf8.count
        guard count >= 1, count <= Limits.lockspaceNameBytesMax, !value.utf8.contains(0) else { throw .EINVAL }
        self.value = value
    }

    public static func < (lhs: LockspaceName, rhs: LockspaceName) -> Bool { lhs.value < rhs.value }
    public var description: String { value }
}
