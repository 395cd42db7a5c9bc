// dlmd — DLMTransport: the HMAC-SHA256 proofs exchanged in the handshake (docs/protocol.md §5.1).

import Crypto
import DLMCore
import DLMWire

/// Computes and checks the handshake MACs. Each MAC covers both nonces, both node ids, both
/// incarnations, the cluster name and a direction label, keyed by the shared secret:
///
///     label ‖ 0x00 ‖ initiator u32 ‖ acceptor u32 ‖ initiatorIncarnation u64 ‖ acceptorIncarnation u64
///           ‖ initiatorNonce[32] ‖ acceptorNonce[32] ‖ clusterNameLength u8 ‖ clusterName
///
/// (integers little-endian). The label differs per direction, so an acceptor's proof can never be
/// replayed as an initiator's. Verification is constant-time (swift-crypto's
/// `isValidAuthenticationCode`).
struct HandshakeProof {
    /// Who is proving.
    enum Direction: String {
        case acceptor = "dlmd-hello-acceptor-v1"
        case initiator = "dlmd-hello-initiator-v1"
    }

    /// The values both sides bind into each MAC.
    struct Transcript {
        var clusterName: String
        var initiator: NodeID
        var acceptor: NodeID
        var initiatorIncarnation: UInt64
        var acceptorIncarnation: UInt64
        var initiatorNonce: [UInt8]
        var acceptorNonce: [UInt8]
    }

    let key: SymmetricKey

    init(secret: SharedSecret) {
        key = SymmetricKey(data: secret.bytes)
    }

    /// The MAC `direction` sends for `transcript`.
    func mac(_ direction: Direction, _ transcript: Transcript) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Self.message(direction, transcript), using: key))
    }

    /// Whether `mac` is the proof `direction` must send for `transcript` (constant-time compare).
    func verify(_ mac: [UInt8], _ direction: Direction, _ transcript: Transcript) -> Bool {
        guard mac.count == Hello.macBytes else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Self.message(direction, transcript), using: key)
    }

    private static func message(_ direction: Direction, _ transcript: Transcript) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128 + transcript.clusterName.utf8.count)
        bytes.append(contentsOf: direction.rawValue.utf8)
        bytes.append(0)
        append(transcript.initiator, to: &bytes)
        append(transcript.acceptor, to: &bytes)
        append(transcript.initiatorIncarnation, to: &bytes)
        append(transcript.acceptorIncarnation, to: &bytes)
        bytes.append(contentsOf: transcript.initiatorNonce)
        bytes.append(contentsOf: transcript.acceptorNonce)
        bytes.append(UInt8(truncatingIfNeeded: transcript.clusterName.utf8.count))
        bytes.append(contentsOf: transcript.clusterName.utf8)
        return bytes
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
