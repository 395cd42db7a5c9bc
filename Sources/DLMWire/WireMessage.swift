// dlmd — DLMWire: one typed value per message type of the node-to-node protocol.

import DLMCore
import NIOCore

/// A decoded message: the type and its payload. Lock messages share `LockMessage`; recovery
/// messages carry a `RecoveryHeader` and their own body; link messages carry link payloads.
public enum WireMessage: Sendable, Hashable {
    case request(LockMessage)
    case convert(LockMessage)
    case unlock(LockMessage)
    case cancel(LockMessage)
    case requestReply(LockMessage)
    case convertReply(LockMessage)
    case unlockReply(LockMessage)
    case cancelReply(LockMessage)
    case grant(LockMessage)
    case bast(LockMessage)
    case lookup(LockMessage)
    case remove(LockMessage)
    case lookupReply(LockMessage)
    case purge(LockMessage)

    /// Recovery status query; `needSlots` asks for the slot table.
    case status(RecoveryHeader, needSlots: Bool)
    case statusReply(RecoveryHeader, StatusReply)
    /// Asks for the names the receiver masters whose directory node is the sender, after `lastName`.
    case names(RecoveryHeader, lastName: ResourceName)
    case namesReply(RecoveryHeader, NamesReply)
    /// Asks the directory node who masters `name` (the first asker becomes master).
    case recoveryLookup(RecoveryHeader, name: ResourceName)
    /// The answer: the master node id (or a negated errno) in the header's `result`.
    case recoveryLookupReply(RecoveryHeader)
    case lockTransfer(RecoveryHeader, RecoveryLock)
    case lockTransferReply(RecoveryHeader, RecoveryLock)

    case hello(Hello)
    case helloReply(Hello)
    /// Link liveness; `sentAt` is the sender's monotonic clock in nanoseconds.
    case heartbeat(sentAt: UInt64)
    /// A bare cumulative acknowledgement (the value travels in the header).
    case ack

    /// Membership liveness (1.2, unsequenced): the sender's incarnation and committed view generation.
    case viewHeartbeat(incarnation: UInt32, generation: UInt64)
    /// Coordinator → members: stop for the proposed view.
    case viewStop(ViewPayload)
    /// A member stopped for proposal `generation`.
    case viewStopAck(generation: UInt64)
    /// A member refuses a proposal: it already accepted `highest`.
    case viewNack(highest: UInt64)
    /// Coordinator → members: the agreed view.
    case viewCommit(ViewPayload)
    /// A departed member incarnation was fenced (by an agent or an operator's fence_ack).
    case viewFenced(ViewMember)

    /// The frame type of this message.
    public var type: WireMessageType {
        switch self {
        case .request: return .request
        case .convert: return .convert
        case .unlock: return .unlock
        case .cancel: return .cancel
        case .requestReply: return .requestReply
        case .convertReply: return .convertReply
        case .unlockReply: return .unlockReply
        case .cancelReply: return .cancelReply
        case .grant: return .grant
        case .bast: return .bast
        case .lookup: return .lookup
        case .remove: return .remove
        case .lookupReply: return .lookupReply
        case .purge: return .purge
        case .status: return .status
        case .statusReply: return .statusReply
        case .names: return .names
        case .namesReply: return .namesReply
        case .recoveryLookup: return .recoveryLookup
        case .recoveryLookupReply: return .recoveryLookupReply
        case .lockTransfer: return .lockTransfer
        case .lockTransferReply: return .lockTransferReply
        case .hello: return .hello
        case .helloReply: return .helloReply
        case .heartbeat: return .heartbeat
        case .ack: return .ack
        case .viewHeartbeat: return .viewHeartbeat
        case .viewStop: return .viewStop
        case .viewStopAck: return .viewStopAck
        case .viewNack: return .viewNack
        case .viewCommit: return .viewCommit
        case .viewFenced: return .viewFenced
        }
    }

    /// The lock payload of a lock message, `nil` for other messages.
    public var lockMessage: LockMessage? {
        switch self {
        case .request(let m), .convert(let m), .unlock(let m), .cancel(let m), .requestReply(let m),
            .convertReply(let m), .unlockReply(let m), .cancelReply(let m), .grant(let m), .bast(let m),
            .lookup(let m), .remove(let m), .lookupReply(let m), .purge(let m):
            return m
        default:
            return nil
        }
    }

    /// Wraps a lock payload in the case for `type`; `nil` when `type` is not a lock message.
    public static func lock(_ type: WireMessageType, _ message: LockMessage) -> WireMessage? {
        switch type {
        case .request: return .request(message)
        case .convert: return .convert(message)
        case .unlock: return .unlock(message)
        case .cancel: return .cancel(message)
        case .requestReply: return .requestReply(message)
        case .convertReply: return .convertReply(message)
        case .unlockReply: return .unlockReply(message)
        case .cancelReply: return .cancelReply(message)
        case .grant: return .grant(message)
        case .bast: return .bast(message)
        case .lookup: return .lookup(message)
        case .remove: return .remove(message)
        case .lookupReply: return .lookupReply(message)
        case .purge: return .purge(message)
        default: return nil
        }
    }
}
