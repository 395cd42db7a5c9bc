// dlmd — DLMNode: what the node decided that its shell (daemon or simulator) must carry out.

import DLMCore
import DLMEngine
import DLMWire

/// One action for the shell, in the order the node decided it.
public enum NodeDirective: Sendable, Equatable {
    /// Send a lock message to a peer (through that peer's reliable session).
    case send(to: NodeID, lockspace: UInt32, message: WireMessage)
    /// Deliver a completion or blocking callback to a local client handle. Lock ids are this node's ids.
    case deliver(lockspace: UInt32, effect: EngineEffect)
    /// Call `onTick` at (or after) this instant.
    case scheduleTimer(at: MonotonicInstant)
}
