// dlmd — DLMTransport: the cluster's shared secret and the checks on the key file it comes from.

import DLMCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The secret every node of a cluster shares; it keys the handshake's HMAC-SHA256.
///
/// Its bytes are never logged; `description` shows only the length.
public struct SharedSecret: Sendable, Hashable, CustomStringConvertible {
    /// The key bytes.
    public let bytes: [UInt8]

    /// A secret from raw bytes.
    /// - Throws: `TransportConfigurationError.secretLength` outside
    ///   `Limits.sharedSecretBytesMin...Limits.sharedSecretBytesMax`.
    public init(bytes: [UInt8]) throws(TransportConfigurationError) {
        guard (Limits.sharedSecretBytesMin...Limits.sharedSecretBytesMax).contains(bytes.count) else {
            throw .secretLength(bytes: bytes.count)
        }
        self.bytes = bytes
    }

    /// Reads the secret from a key file (the `key_file=` setting): the file's whole contents are the
    /// key. The file must be a regular file that neither group nor others may read or write (mode
    /// `0600` or `0400`), like an ssh private key.
    /// - Parameter path: the key file.
    /// - Throws: `TransportConfigurationError` when the file is missing, not regular, too open, or the
    ///   secret has the wrong length.
    public init(keyFile path: String) throws(TransportConfigurationError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .keyFileUnreadable(path: path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .keyFileUnreadable(path: path, errno: errno) }
        guard (UInt32(info.st_mode) & UInt32(S_IFMT)) == UInt32(S_IFREG) else { throw .keyFileNotRegular(path: path) }
        let permissions = UInt32(info.st_mode) & 0o777
        guard permissions & 0o077 == 0 else { throw .keyFileInsecure(path: path, mode: permissions) }
        let bytes = try Self.readAll(fd: fd, path: path)
        try self.init(bytes: bytes)
    }

    /// Reads at most `Limits.sharedSecretBytesMax + 1` bytes, so an oversize file is refused without
    /// reading it all.
    private static func readAll(fd: Int32, path: String) throws(TransportConfigurationError) -> [UInt8] {
        let capacity = Limits.sharedSecretBytesMax + 1
        var bytes = [UInt8](repeating: 0, count: capacity)
        var filled = 0
        while filled < capacity {
            let count = bytes.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress! + filled, capacity - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .keyFileUnreadable(path: path, errno: errno)
            }
            if count == 0 { break }
            filled += count
        }
        return Array(bytes.prefix(filled))
    }

    public var description: String { "SharedSecret(\(bytes.count) bytes)" }
}
