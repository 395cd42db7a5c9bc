// dlmd — DLMServer: one lockspace hosted on this node: its engine, owner, mode and references.

import DLMCore
import DLMEngine

/// A lockspace on this node. Lifetime:
///
///     create (count 1) ──create/join──▶ count n ──release──▶ count n-1 … ──last release──▶ removed
///                                                   (EBUSY instead when locks or orphans remain and force = 0)
struct Lockspace {
    let name: LockspaceName
    /// Global id: CRC-32 of `"dlm:ls:" + name + "\0"` (spec §7.1).
    let globalID: UInt32
    var engine: LockEngine
    var flags: LockspaceFlags
    /// Permission bits (device-node style).
    var mode: UInt32
    var ownerUID: UInt32
    var ownerGID: UInt32
    var valueBlockLength: Int
    /// Create references (`dlm_create_lockspace` calls not yet released, plus one for a configured lockspace).
    var createCount: Int
    /// Sessions bound to this lockspace.
    var handles: Set<UInt64> = []

    init(
        name: LockspaceName, flags: LockspaceFlags, mode: UInt32, owner: PeerCredentials, valueBlockLength: Int,
        lockCountMax: Int = Limits.locksPerLockspaceMax
    ) {
        self.name = name
        self.globalID = Lockspace.globalID(of: name)
        self.engine = LockEngine(valueBlockLength: valueBlockLength, lockCountMax: lockCountMax)
        self.flags = flags
        self.mode = mode
        self.ownerUID = owner.uid
        self.ownerGID = owner.gid
        self.valueBlockLength = valueBlockLength
        self.createCount = 1
    }

    /// Whether anything would be lost by removing it without force.
    var isBusy: Bool { engine.lockCount > 0 || engine.orphanCount > 0 }

    /// CRC-32 (IEEE, reflected, init and final xor 0xFFFFFFFF) of `"dlm:ls:" + name + "\0"`.
    static func globalID(of name: LockspaceName) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in Array("dlm:ls:".utf8) + Array(name.value.utf8) + [0] {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
            }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
