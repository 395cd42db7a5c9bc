// dlmd — DLMServer: what the lockspace service asks its shell to do.

import DLMClientProtocol
import DLMCore
import DLMWire

/// A directive from `LockspaceService` to the socket shell, in the order they must happen.
public enum ServiceOutput: Sendable, Equatable {
    /// Write `frame` to the connection of `session`.
    case send(session: UInt64, frame: ReplyFrame)
    /// Close the connection of `session` (after everything sent before this directive).
    case close(session: UInt64)
    /// Send a lock message to peer node `to` through its reliable link.
    case peer(to: NodeID, lockspace: UInt32, message: WireMessage)
    /// Send a membership message (VIEW_*) to peer node `to` (VIEW_HEARTBEAT unsequenced, the rest sequenced).
    case membership(to: NodeID, message: WireMessage)
    /// A committed view has incarnation `incarnation` of peer `node`: if the link still knows an
    /// older incarnation, start a fresh session before anything is sent for the view.
    case expectIncarnation(node: NodeID, incarnation: UInt32)
    /// Run the fence agent for incarnation `incarnation` of node `node`; report with `fenceAgentFinished`.
    case fence(node: NodeID, incarnation: UInt32)
}
