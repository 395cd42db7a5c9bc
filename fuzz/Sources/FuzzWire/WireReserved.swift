// dlmd fuzz — the reserved payload fields of peer frames (docs/protocol.md §4, §5): written as 0,
// ignored on receipt, so a decoded frame re-encodes them as 0 whatever was received.

import DLMWire

enum WireReserved {
    static let header = WireFrame.headerBytes
    static let recoveryHeader = 32

    /// Zeroes, in one frame's bytes (header included), every field a receiver ignores.
    static func mask(_ frame: inout [UInt8], type: WireMessageType) {
        // A 1.2 frame with the generation flag carries 8 bytes of generation before the payload.
        let hasGeneration = frame.count > 7 && frame[7] & WireFrame.generationFlag != 0
        let start = header + (hasGeneration ? WireFrame.generationBytes : 0)
        func zero(_ range: Range<Int>) {
            for index in range where start + index < frame.count { frame[start + index] = 0 }
        }
        // The encoder writes the lowest minor that expresses the frame (1.2 only for its features).
        frame[5] = WireFrame.minor(for: type, hasGeneration: hasGeneration)
        switch type {
        case .status, .names, .recoveryLookup, .recoveryLookupReply:
            zero(4..<8)
        case .statusReply:
            zero(4..<8)
            let countOffset = start + recoveryHeader + 14
            guard countOffset + 2 <= frame.count else { return }
            let count = Int(frame[countOffset]) | Int(frame[countOffset + 1]) << 8
            for slot in 0..<count { zero((recoveryHeader + 20 + slot * 8 + 6)..<(recoveryHeader + 20 + slot * 8 + 8)) }
        case .namesReply:
            zero(4..<8)
            zero((recoveryHeader + 1)..<(recoveryHeader + 2))
        case .lockTransfer, .lockTransferReply:
            zero(4..<8)
            zero((recoveryHeader + 35)..<(recoveryHeader + 36))
            zero((recoveryHeader + 38)..<(recoveryHeader + 40))
        case .hello, .helloReply:
            zero(5..<8)
        case .viewHeartbeat:
            zero(4..<8)
        case .viewStop, .viewCommit:
            zero(12..<16)
        default:
            break
        }
    }
}
