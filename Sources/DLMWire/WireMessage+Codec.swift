// dlmd — DLMWire: validation, payload encoding and payload decoding of `WireMessage`.

import DLMCore
import NIOCore

extension WireMessage {
    /// Checks every field range the encoding cannot express (names ≤ 64, modes, LVB length, counts).
    /// - Throws: `WireError.malformed` naming the field.
    public func validate() throws(WireError) {
        if let lock = lockMessage { return try lock.validate(as: type) }
        switch self {
        case .statusReply(_, let reply): try reply.validate()
        case .namesReply(_, let reply): try reply.validate()
        case .lockTransfer(_, let lock), .lockTransferReply(_, let lock): try lock.validate()
        case .hello(let hello), .helloReply(let hello): try hello.validate()
        case .viewStop(let view), .viewCommit(let view): try view.validate()
        default: break
        }
    }

    /// Length of the encoded payload.
    var payloadBytes: Int {
        if let lock = lockMessage { return lock.encodedBytes }
        if type.isMembership { return viewPayloadBytes }
        let header = RecoveryHeader.encodedBytes
        switch self {
        case .status: return header + 4
        case .statusReply(_, let reply): return header + reply.encodedBytes
        case .names(_, let name), .recoveryLookup(_, let name): return header + 1 + name.bytes.count
        case .namesReply(_, let reply): return header + reply.encodedBytes
        case .recoveryLookupReply: return header
        case .lockTransfer(_, let lock), .lockTransferReply(_, let lock): return header + lock.encodedBytes
        case .hello(let hello), .helloReply(let hello): return hello.encodedBytes
        case .heartbeat: return 8
        default: return 0
        }
    }

    /// Appends the payload.
    func encodePayload(into buffer: inout ByteBuffer) {
        if let lock = lockMessage { return lock.encode(into: &buffer) }
        if type.isMembership { return encodeViewPayload(into: &buffer) }
        switch self {
        case .status(let header, let needSlots):
            header.encode(into: &buffer)
            buffer.writeWire(UInt32(needSlots ? 1 : 0))
        case .statusReply(let header, let reply):
            header.encode(into: &buffer)
            reply.encode(into: &buffer)
        case .names(let header, let name), .recoveryLookup(let header, let name):
            header.encode(into: &buffer)
            buffer.writeWireShortName(name)
        case .namesReply(let header, let reply):
            header.encode(into: &buffer)
            reply.encode(into: &buffer)
        case .recoveryLookupReply(let header):
            header.encode(into: &buffer)
        case .lockTransfer(let header, let lock), .lockTransferReply(let header, let lock):
            header.encode(into: &buffer)
            lock.encode(into: &buffer)
        case .hello(let hello), .helloReply(let hello):
            hello.encode(into: &buffer)
        case .heartbeat(let sentAt):
            buffer.writeWire(sentAt)
        default:
            break
        }
    }

    /// Decodes a payload of `type` that fills `payload` exactly, and validates it.
    static func decode(type: WireMessageType, payload: inout ByteBuffer) throws(WireError) -> WireMessage {
        if type.isLockMessage {
            let lock = try LockMessage.decode(from: &payload)
            guard let message = WireMessage.lock(type, lock) else { throw .unknownType(type.rawValue) }
            try message.validate()
            return message
        }
        let message: WireMessage
        if type.isMembership {
            message = try decodeView(type: type, payload: &payload)
        } else if type.rawValue < WireMessageType.hello.rawValue {
            let header = try RecoveryHeader.decode(from: &payload)
            message = try decodeRecovery(type: type, header: header, payload: &payload)
        } else {
            message = try decodeLink(type: type, payload: &payload)
        }
        try payload.expectFullyRead()
        try message.validate()
        return message
    }

    private static func decodeRecovery(
        type: WireMessageType,
        header: RecoveryHeader,
        payload: inout ByteBuffer
    ) throws(WireError) -> WireMessage {
        switch type {
        case .status:
            let flags: UInt32 = try payload.readWire()
            guard flags <= 1 else { throw .malformed(.headerFlags) }
            return .status(header, needSlots: flags == 1)
        case .statusReply: return .statusReply(header, try StatusReply.decode(from: &payload))
        case .names: return .names(header, lastName: try payload.readWireShortName())
        case .namesReply: return .namesReply(header, try NamesReply.decode(from: &payload))
        case .recoveryLookup: return .recoveryLookup(header, name: try payload.readWireShortName())
        case .recoveryLookupReply: return .recoveryLookupReply(header)
        case .lockTransfer: return .lockTransfer(header, try RecoveryLock.decode(from: &payload))
        case .lockTransferReply: return .lockTransferReply(header, try RecoveryLock.decode(from: &payload))
        default: throw .unknownType(type.rawValue)
        }
    }

    private static func decodeLink(type: WireMessageType, payload: inout ByteBuffer) throws(WireError) -> WireMessage {
        switch type {
        case .hello: return .hello(try Hello.decode(from: &payload))
        case .helloReply: return .helloReply(try Hello.decode(from: &payload))
        case .heartbeat: return .heartbeat(sentAt: try payload.readWire())
        case .ack: return .ack
        default: throw .unknownType(type.rawValue)
        }
    }
}
