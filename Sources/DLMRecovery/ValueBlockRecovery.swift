// dlmd — DLMRecovery: the LVB a rebuilt resource gets (spec §10.5, edge cases 41–42), decided from
// what reached its new master during one recovery: the surviving old master's resource LVB, and the
// LVB copies of the surviving VALBLK holders.

import DLMCore

/// A resource LVB state: its bytes (nil = none), sequence number and invalid mark.
public struct ValueBlockState: Sendable, Hashable {
    /// The LVB bytes, nil = none.
    public var block: ValueBlock?
    /// Its lvbseq.
    public var sequence: UInt32
    /// Marked invalid: the next VALBLK reader gets VALNOTVALID.
    public var invalid: Bool

    public init(block: ValueBlock?, sequence: UInt32, invalid: Bool) {
        self.block = block
        self.sequence = sequence
        self.invalid = invalid
    }
}

/// Collects the LVB evidence for one resource and decides its LVB after recovery:
///
/// 1. The old master survived: its resource LVB, invalid when it was marked so or a departed node
///    held a PW/EX VALBLK lock on it (kernel: "not a new master, PW/EX holder purged"); a holder
///    copy with a newer sequence (a down-conversion write whose message recovery dropped) wins.
/// 2. Otherwise the first VALBLK copy granted above CR (CW, PR, PW, EX) gives a valid LVB.
/// 3. Otherwise the copy with the highest lvbseq (wrap-safe) gives the LVB, marked invalid.
/// 4. No VALBLK copy and no record: no LVB.
public struct ValueBlockRecovery: Sendable, Hashable {
    /// The surviving old master's record.
    public private(set) var masterRecord: ValueBlockState?
    private var readable: ValueBlockState?
    private var highest: ValueBlockState?

    public init() {}

    /// The old master's resource LVB (sent by it, or kept when it masters the resource again).
    public mutating func recordMaster(_ state: ValueBlockState) { masterRecord = state }

    /// A surviving VALBLK holder's copy: its granted mode, its LVB and the sequence it read or wrote.
    public mutating func addCopy(granted: LockMode, block: ValueBlock, sequence: UInt32) {
        let state = ValueBlockState(block: block, sequence: sequence, invalid: false)
        if granted > .cr && readable == nil { readable = state }
        if let best = highest, !Self.isNewer(sequence, than: best.sequence) { return }
        highest = state
    }

    /// The decision, nil when there is no evidence (the resource keeps no LVB). A holder copy newer
    /// than the master's record is a write whose message recovery dropped: it wins, valid.
    public var decision: ValueBlockState? {
        if let masterRecord {
            guard let highest, Self.isNewer(highest.sequence, than: masterRecord.sequence) else { return masterRecord }
            return highest
        }
        if let readable { return readable }
        if var highest {
            highest.invalid = true
            return highest
        }
        return nil
    }

    /// Wrap-safe `a > b` for 32-bit sequence numbers.
    public static func isNewer(_ a: UInt32, than b: UInt32) -> Bool { Int32(bitPattern: a &- b) > 0 }
}
