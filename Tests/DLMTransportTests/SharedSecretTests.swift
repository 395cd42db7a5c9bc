// Tests loading the shared secret from a key file in a fresh temporary directory: mode 0600 and
// 0400 are accepted and give the file's bytes; group- or world-accessible modes, short or oversize
// keys, directories and missing files are refused with the matching error. Also checks the
// configuration validation of ids and timing.

import DLMCore
import Glibc
import Testing

@testable import DLMTransport

@Suite struct SharedSecretTests {
    /// Writes `bytes` to a new file with `mode` in a fresh temporary directory; returns its path.
    private func keyFile(_ bytes: [UInt8], mode: mode_t) throws -> String {
        var template = Array("/tmp/dlmd-key-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        let path = directory + "/cluster.key"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        #expect(fd >= 0)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        chmod(path, mode)
        return path
    }

    private func cleanup(_ path: String) {
        unlink(path)
        rmdir(String(path.dropLast("/cluster.key".count)))
    }

    @Test(arguments: [mode_t(0o600), 0o400])
    func privateKeyFileIsAccepted(mode: mode_t) throws {
        let bytes = (0..<48).map { UInt8($0 * 3 & 0xFF) }
        let path = try keyFile(bytes, mode: mode)
        defer { cleanup(path) }
        #expect(try SharedSecret(keyFile: path).bytes == bytes)
    }

    @Test(arguments: [mode_t(0o640), 0o604, 0o644, 0o660, 0o602])
    func openKeyFileIsRefused(mode: mode_t) throws {
        let path = try keyFile(Array(repeating: 9, count: 32), mode: mode)
        defer { cleanup(path) }
        #expect(throws: TransportConfigurationError.keyFileInsecure(path: path, mode: UInt32(mode))) {
            try SharedSecret(keyFile: path)
        }
    }

    @Test func shortAndOversizeKeysAreRefused() throws {
        let short = try keyFile(Array(repeating: 1, count: 31), mode: 0o600)
        defer { cleanup(short) }
        #expect(throws: TransportConfigurationError.secretLength(bytes: 31)) { try SharedSecret(keyFile: short) }
        let long = try keyFile(Array(repeating: 1, count: Limits.sharedSecretBytesMax + 100), mode: 0o600)
        defer { cleanup(long) }
        #expect(throws: TransportConfigurationError.secretLength(bytes: Limits.sharedSecretBytesMax + 1)) {
            try SharedSecret(keyFile: long)
        }
    }

    @Test func missingFileAndDirectoryAreRefused() throws {
        #expect(throws: TransportConfigurationError.keyFileUnreadable(path: "/nonexistent/dlmd.key", errno: ENOENT)) {
            try SharedSecret(keyFile: "/nonexistent/dlmd.key")
        }
        let path = try keyFile(Array(repeating: 1, count: 32), mode: 0o600)
        defer { cleanup(path) }
        let directory = String(path.dropLast("/cluster.key".count))
        chmod(directory, 0o700)
        #expect(throws: TransportConfigurationError.keyFileNotRegular(path: directory)) { try SharedSecret(keyFile: directory) }
    }

    @Test func configurationValidation() throws {
        let secret = try SharedSecret(bytes: Array(repeating: 2, count: 32))
        var config = TransportConfiguration(
            nodeID: 1, listenHost: "127.0.0.1", listenPort: 0,
            peers: [PeerEndpoint(node: 2, host: "127.0.0.1", port: 1)], clusterName: "alpha", secret: secret, incarnation: 1
        )
        try config.validate()
        config.peers.append(PeerEndpoint(node: 1, host: "127.0.0.1", port: 2))
        #expect(throws: TransportConfigurationError.nodeID(1)) { try config.validate() }
        config.peers.removeLast()
        config.heartbeatTimeout = config.heartbeatInterval
        #expect(throws: TransportConfigurationError.self) { try config.validate() }
        config.heartbeatTimeout = .seconds(5)
        config.clusterName = String(repeating: "c", count: 65)
        #expect(throws: TransportConfigurationError.clusterName(config.clusterName)) { try config.validate() }
    }
}
