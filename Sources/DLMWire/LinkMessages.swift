// dlmd — DLMWire: link-level payloads: the authenticated handshake and heartbeats (encoding only).

import DLMCore
import NIOCore

/// HELLO / HELLO_REPLY: who the sender claims to be and the material of a challenge-response.
///
/// The handshake logic (which nonce is MACed with which key, and when) belongs to the transport; this
/// type only fixes the encoding: the nonce and MAC are exactly `Hello.nonceBytes`/`Hello.macBytes`.
public struct Hello: Sendable, Hashable {
    /// The sender's node id, checked against the configuration.
    public var node: NodeID
    /// The cluster name, 1...64 bytes of UTF-8.
    public var clusterName: String
    /// A fresh random challenge.
    public var nonce: [UInt8]
    /// HMAC-SHA256 proving the shared secret (zeros when there is nothing to answer yet).
    public var mac: [UInt8]
    /// Identifies this run of the sender's daemon; a new value means the peer restarted (protocol 1.1;
    /// 0 when a 1.0 peer sent the HELLO).
    public var incarnation: UInt64

    /// Nonce length.
    public static let nonceBytes = 32
    /// MAC length (HMAC-SHA256).
    public static let macBytes = 32
    /// Longest cluster name.
    public static let clusterNameBytesMax = 64
    /// Bytes before the cluster name.
    static let fixedBytes = 8 + nonceBytes + macBytes
    /// Bytes of the incarnation that follows the cluster name (protocol 1.1).
    static let incarnationBytes = 8

    /// Creates a HELLO payload.
    /// - Parameters:
    ///   - node: the sender's node id.
    ///   - clusterName: 1...64 bytes of UTF-8.
    ///   - nonce: `nonceBytes` random bytes.
    ///   - mac: `macBytes` bytes (zeros when nothing is answered yet).
    ///   - incarnation: the sender's run identifier.
    public init(node: NodeID, clusterName: String, nonce: [UInt8], mac: [UInt8], incarnation: UInt64 = 0) {
        self.node = node
        self.clusterName = clusterName
        self.nonce = nonce
        self.mac = mac
        self.incarnation = incarnation
    }

    func validate() throws(WireError) {
        let nameBytes = clusterName.utf8.count
        guard nameBytes >= 1, nameBytes <= Self.clusterNameBytesMax else { throw .malformed(.clusterName) }
        guard nonce.count == Self.nonceBytes else { throw .malformed(.nonce) }
        guard mac.count == Self.macBytes else { throw .malformed(.mac) }
    }

    var encodedBytes: Int { Self.fixedBytes + clusterName.utf8.count + Self.incarnationBytes }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(node)
        buffer.writeWire(UInt8(clusterName.utf8.count))
        buffer.writeWire(UInt8(0))
        buffer.writeWire(UInt16(0))
        buffer.writeBytes(nonce)
        buffer.writeBytes(mac)
        buffer.writeBytes(Array(clusterName.utf8))
        buffer.writeWire(incarnation)
    }

    static func decode(from buffer: inout ByteBuffer) throws(WireError) -> Hello {
        let node: NodeID = try buffer.readWire()
        let nameLength: UInt8 = try buffer.readWire()
        let _: UInt8 = try buffer.readWire()
        let _: UInt16 = try buffer.readWire()
        let nonce = try buffer.readWireBytes(nonceBytes, field: .nonce)
        let mac = try buffer.readWireBytes(macBytes, field: .mac)
        guard Int(nameLength) <= clusterNameBytesMax else { throw .malformed(.clusterName) }
        let nameBytes = try buffer.readWireBytes(Int(nameLength), field: .clusterName)
        guard let name = String(validating: nameBytes, as: UTF8.self) else { throw .malformed(.clusterName) }
        // A 1.0 HELLO ends here; 1.1 appends the incarnation.
        let incarnation: UInt64 = buffer.readableBytes == 0 ? 0 : try buffer.readWire()
        try buffer.expectFullyRead()
        let hello = Hello(node: node, clusterName: name, nonce: nonce, mac: mac, incarnation: incarnation)
        try hello.validate()
        return hello
    }
}
