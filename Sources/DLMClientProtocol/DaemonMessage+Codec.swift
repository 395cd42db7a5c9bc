// dlmd — DLMClientProtocol: payload encoding and decoding of daemon replies and callbacks.

import DLMCore

extension DaemonMessage: ClientProtocolMessage {
    public static func accepts(_ type: MessageType) -> Bool {
        switch type {
        case .result, .completion, .blocking, .queryText, .fenceToken, .recoveryEvent: return true
        default: return false
        }
    }

    public func encodePayload(into out: inout [UInt8]) {
        switch self {
        case .result(let result):
            out.appendInteger(result.errno)
            out.appendInteger(result.lockID)
            out.appendInteger(result.outcome.rawValue)
        case .completion(let completion):
            out.appendInteger(completion.lockID)
            out.appendInteger(completion.status.rawValue)
            out.appendInteger(completion.flags.rawValue)
            out.appendInteger(completion.grantedMode?.rawValue ?? -1)
            out.appendBool(completion.valueBlock != nil)
            if let block = completion.valueBlock { out.append(contentsOf: block) }
        case .blocking(let lockID, let mode):
            out.appendInteger(lockID)
            out.appendInteger(UInt32(mode.rawValue))
        case .queryText(let last, let text):
            out.appendBool(last)
            out.appendString(text)
        case .fenceToken(let lockID, let token):
            out.appendInteger(lockID)
            out.appendInteger(token)
        case .recoveryEvent(let notice):
            notice.encode(into: &out)
        }
    }

    public static func decodePayload(type: MessageType, reader: inout PayloadReader) throws(ProtocolError) -> DaemonMessage {
        switch type {
        case .result:
            let errno: Int32 = try reader.readInteger()
            let lockID: UInt32 = try reader.readInteger()
            guard let outcome = ResultOutcome(rawValue: try reader.readInteger()) else {
                throw reader.fail(.badOutcome)
            }
            return .result(RequestResult(errno: errno, lockID: lockID, outcome: outcome))
        case .completion:
            return .completion(try CompletionCallback.decode(from: &reader))
        case .blocking:
            let lockID: UInt32 = try reader.readInteger()
            let rawMode: UInt32 = try reader.readInteger()
            guard rawMode <= 5, let mode = LockMode(rawValue: Int8(rawMode)) else { throw reader.fail(.badMode) }
            return .blocking(lockID: lockID, mode: mode)
        case .queryText:
            let last = try reader.readBool()
            return .queryText(last: last, text: try reader.readString())
        case .fenceToken:
            let lockID: UInt32 = try reader.readInteger()
            return .fenceToken(lockID: lockID, token: try reader.readInteger())
        case .recoveryEvent:
            return .recoveryEvent(try RecoveryNotice.decode(from: &reader))
        default:
            throw .unknownType(type.rawValue)
        }
    }
}

extension CompletionCallback {
    static func decode(from reader: inout PayloadReader) throws(ProtocolError) -> CompletionCallback {
        let lockID: UInt32 = try reader.readInteger()
        guard let status = CompletionStatus(rawValue: try reader.readInteger()) else {
            throw reader.fail(.badStatus)
        }
        let flags = StatusFlags(rawValue: try reader.readInteger())
        let rawMode: Int8 = try reader.readInteger()
        let mode: LockMode?
        if rawMode == -1 {
            mode = nil
        } else {
            guard let valid = LockMode(rawValue: rawMode) else { throw reader.fail(.badMode) }
            mode = valid
        }
        let block = try reader.readTrailingValueBlock(present: try reader.readBool())
        return CompletionCallback(lockID: lockID, status: status, flags: flags, grantedMode: mode, valueBlock: block)
    }
}
