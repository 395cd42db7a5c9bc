// dlmd — DLMSimulation: one simulated client handle: the locks it has and what it is waiting for.

import DLMCore
import DLMEngine

/// A client lock as the simulated program tracks it.
struct ClientLock: Sendable {
    var resource: ResourceName
    var granted: LockMode?
    var pending = false
    var unlocking = false
    var cancelled = false
    /// The pending request has LKF_TIMEOUT: the client leaves it to expire.
    var timed = false
}

/// A client handle on one node. Its state changes only through call results and delivered callbacks.
struct SimulatedClient: Sendable {
    let node: NodeID
    var handle: UInt64
    let pid: UInt32
    var locks: [LockID: ClientLock] = [:]
    var valueBlockCounter: UInt8 = 0
    /// No more steps are scheduled (drained).
    var finished = false

    /// Applies a completion to the client's view.
    mutating func apply(_ completion: Completion) {
        guard var lock = locks[completion.lockID] else { return }
        if completion.status == .unlocked || (completion.grantedMode == nil && completion.status != .granted) {
            locks[completion.lockID] = nil
            return
        }
        lock.pending = false
        lock.cancelled = false
        lock.timed = false
        lock.granted = completion.grantedMode
        locks[completion.lockID] = lock
    }

    /// A fresh LVB with recognisable contents.
    mutating func nextValueBlock(length: Int) -> ValueBlock {
        valueBlockCounter &+= 1
        return ValueBlock(bytes: [UInt8(truncatingIfNeeded: node), UInt8(truncatingIfNeeded: handle), valueBlockCounter], length: length)
    }
}
