// dlmd — DLMNode: fencing tokens — a per-resource number that grows with every EX/PW grant, across
// remastering and recovery (docs/cluster.md, "Fencing tokens").

import DLMCore
import DLMEngine
import DLMWire

extension NodeLockspace {
    /// Bits of a token below the view generation.
    static let fenceClockBits: UInt64 = 40

    /// The token of the next EX/PW grant: `generation << 40 | clock`, after bumping the clock.
    mutating func nextFenceToken() -> UInt64 {
        fenceClock += 1
        invariant(fenceClock < 1 << Self.fenceClockBits, "fencing clock overflowed its 40 bits", dump: "\(fenceClock)")
        return generation << Self.fenceClockBits | fenceClock
    }

    /// Gives an engine completion its token when it grants EX or PW (a new grant, an up- or
    /// down-conversion into EX/PW alike).
    mutating func stampFenceToken(_ completion: inout Completion) {
        guard completion.status == .granted, let mode = completion.grantedMode, mode == .ex || mode == .pw else { return }
        completion.fenceToken = nextFenceToken()
    }

    /// Lamport merge: the clock of any lock message received.
    mutating func mergeFenceClock(_ message: WireMessage) {
        guard let lock = message.lockMessage else { return }
        fenceClock = max(fenceClock, lock.fenceClock & ((1 << Self.fenceClockBits) - 1))
    }

    /// `message` carrying this lockspace's clock (lock messages only; others unchanged).
    func stampingFenceClock(_ message: WireMessage) -> WireMessage {
        guard fenceClock != 0, var lock = message.lockMessage else { return message }
        lock.fenceClock = fenceClock
        return WireMessage.lock(message.type, lock) ?? message
    }
}
