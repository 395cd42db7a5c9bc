// dlmd — DLMClientProtocol: payload encoding and decoding of client requests.

import DLMCore

extension ClientRequest: ClientProtocolMessage {
    public static func accepts(_ type: MessageType) -> Bool {
        switch type {
        case .createLockspace, .openLockspace, .releaseLockspace, .releaseByName, .lock, .unlock, .purge, .query,
            .fenceAck, .fenceTokens, .recoveryEvents:
            return true
        default:
            return false
        }
    }

    public func encodePayload(into out: inout [UInt8]) {
        switch self {
        case .createLockspace(let create):
            out.appendInteger(create.flags.rawValue)
            out.appendInteger(create.mode)
            out.appendInteger(create.valueBlockLength)
            out.appendString(create.name)
        case .openLockspace(let name):
            out.appendString(name)
        case .releaseLockspace(let force):
            out.appendInteger(force)
        case .releaseByName(let force, let name):
            out.appendInteger(force)
            out.appendString(name)
        case .lock(let call):
            call.encode(into: &out)
        case .unlock(let call):
            out.appendInteger(call.lockID)
            out.appendInteger(call.flags.rawValue)
            out.appendBool(call.deadlockCancel)
            out.appendBool(call.valueBlock != nil)
            if let block = call.valueBlock { out.append(contentsOf: block) }
        case .purge(let nodeID, let pid):
            out.appendInteger(nodeID)
            out.appendInteger(pid)
        case .query(let kind, let name):
            out.appendInteger(kind.rawValue)
            out.appendString(name)
        case .fenceAck(let nodeID):
            out.appendInteger(nodeID)
        case .fenceTokens(let enable), .recoveryEvents(let enable):
            out.appendBool(enable)
        }
    }

    public static func decodePayload(type: MessageType, reader: inout PayloadReader) throws(ProtocolError) -> ClientRequest {
        switch type {
        case .createLockspace:
            let flags = LockspaceFlags(rawValue: try reader.readInteger())
            let mode: UInt32 = try reader.readInteger()
            let length: UInt32 = try reader.readInteger()
            let name = try reader.readString()
            return .createLockspace(CreateLockspace(flags: flags, mode: mode, valueBlockLength: length, name: name))
        case .openLockspace:
            return .openLockspace(name: try reader.readString())
        case .releaseLockspace:
            return .releaseLockspace(force: try reader.readInteger())
        case .releaseByName:
            let force: UInt32 = try reader.readInteger()
            return .releaseByName(force: force, name: try reader.readString())
        case .lock:
            return .lock(try LockCall.decode(from: &reader))
        case .unlock:
            let lockID: UInt32 = try reader.readInteger()
            let flags = LockFlags(rawValue: try reader.readInteger())
            let deadlockCancel = try reader.readBool()
            let block = try reader.readTrailingValueBlock(present: try reader.readBool())
            return .unlock(UnlockCall(lockID: lockID, flags: flags, deadlockCancel: deadlockCancel, valueBlock: block))
        case .purge:
            let nodeID: UInt32 = try reader.readInteger()
            return .purge(nodeID: nodeID, pid: try reader.readInteger())
        case .query:
            let kind = QueryKind(rawValue: try reader.readInteger())
            return .query(kind: kind, name: try reader.readString())
        case .fenceAck:
            return .fenceAck(nodeID: try reader.readInteger())
        case .fenceTokens:
            return .fenceTokens(enable: try reader.readBool())
        case .recoveryEvents:
            return .recoveryEvents(enable: try reader.readBool())
        default:
            throw .unknownType(type.rawValue)
        }
    }
}

extension LockCall {
    func encode(into out: inout [UInt8]) {
        out.appendInteger(mode)
        out.appendInteger(flags.rawValue)
        out.appendInteger(lockID)
        out.appendInteger(timeoutCentiseconds)
        out.appendBool(wantsBlockingCallbacks)
        out.appendBool(valueBlock != nil)
        out.appendCounted(name)
        if let valueBlock { out.append(contentsOf: valueBlock) }
    }

    static func decode(from reader: inout PayloadReader) throws(ProtocolError) -> LockCall {
        let mode: UInt32 = try reader.readInteger()
        let flags = LockFlags(rawValue: try reader.readInteger())
        let lockID: UInt32 = try reader.readInteger()
        let timeout: UInt32 = try reader.readInteger()
        let wantsBlocking = try reader.readBool()
        let hasBlock = try reader.readBool()
        let name = try reader.readCountedBytes()
        let block = try reader.readTrailingValueBlock(present: hasBlock)
        return LockCall(
            mode: mode, flags: flags, lockID: lockID, timeoutCentiseconds: timeout,
            wantsBlockingCallbacks: wantsBlocking, name: name, valueBlock: block
        )
    }
}
