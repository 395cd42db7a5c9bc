// dlmd — DLMDirectory: the cluster-wide 32-bit id of a lockspace (CRC-32 of its group name).

import DLMCore

/// The global id of a lockspace, carried in every node-to-node frame.
///
/// It is the CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, initial value 0xFFFFFFFF, final
/// complement) of the bytes `"dlm:ls:" + name + "\0"`, so every node derives the same id from the name.
public enum LockspaceID {
    /// The prefix of the group name hashed into the id.
    static let groupPrefix = Array("dlm:ls:".utf8)

    /// The global id of a lockspace.
    /// - Parameter name: the lockspace name.
    /// - Returns: CRC-32 of `"dlm:ls:<name>\0"`.
    public static func globalID(of name: LockspaceName) -> UInt32 {
        CRC32.checksum(groupPrefix + Array(name.value.utf8) + [0])
    }
}

/// CRC-32 (IEEE, reflected) with a 256-entry table computed once.
public enum CRC32 {
    /// The reflected IEEE polynomial.
    static let polynomial: UInt32 = 0xEDB8_8320

    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = (value & 1) != 0 ? (value >> 1) ^ polynomial : value >> 1
        }
        return value
    }

    /// The CRC-32 of `bytes`.
    /// - Parameter bytes: the input.
    /// - Returns: the checksum (initial 0xFFFFFFFF, final complement).
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return ~crc
    }
}
