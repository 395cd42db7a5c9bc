// dlmd — DLMNode: PERSISTENT orphans across recovery. An orphan lives only in its master's engine
// (its owner's handle is gone); the engine is rebuilt at every recovery, so the master sends each
// orphan to the resource's new master as an RCOM LOCK with the orphan bit (rl_flags bit 1, the
// owner node in rl_remid), or rebuilds it itself. Orphans whose owner node departed are dropped, as
// that node's other locks are (the kernel keeps an orphan as its owner node's process copy).

import DLMCore
import DLMEngine
import DLMWire

/// RCOM LOCK `rl_flags` bit 1 (spec §9.5): the lock is an orphan (no holder copy, no reply).
let orphanTransferFlag: UInt32 = 0x2

/// An orphan carried over a recovery.
struct OrphanCopy: Sendable {
    var name: ResourceName
    var owner: NodeID
    var pid: UInt32
    var mode: LockMode
    var flags: LockFlags
}

extension NodeLockspace {
    /// Orphans in this node's engine whose owner node is in `members`, read before the engine is dropped.
    func survivingOrphans(members: Set<NodeID>) -> [OrphanCopy] {
        var orphans: [OrphanCopy] = []
        for name in engine.resourceNames() {
            for lock in engine.resourceSnapshot(name)?.granted ?? [] where lock.isOrphan {
                guard let mode = lock.grantedMode, members.contains(lock.owner.node) else { continue }
                orphans.append(OrphanCopy(name: name, owner: lock.owner.node, pid: lock.owner.pid, mode: mode, flags: lock.flags))
            }
        }
        return orphans
    }

    /// Rebuilds each orphan here when this node masters it in the new view, else sends it there.
    mutating func moveOrphans(_ orphans: [OrphanCopy], now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        for orphan in orphans {
            let master = map.directoryNode(for: orphan.name)
            if master == node {
                rebuildOrphan(orphan, now: now)
                continue
            }
            masterCache.record(orphan.name, master: master)
            var copy = RecoveryLock(name: orphan.name)
            copy.ownerPID = orphan.pid
            copy.remoteID = LockID(orphan.owner)
            copy.exflags = orphan.flags.rawValue
            copy.flags = orphanTransferFlag
            copy.grantedMode = orphan.mode
            copy.status = .granted
            send(.lockTransfer(RecoveryHeader(sequence: generation), copy), to: master, &directives)
        }
    }

    /// An orphan sent by the resource's old master.
    mutating func onOrphanTransfer(_ copy: RecoveryLock, now: MonotonicInstant) {
        guard let mode = copy.grantedMode, copy.remoteID != 0 else { return }
        let orphan = OrphanCopy(
            name: copy.name, owner: NodeID(copy.remoteID), pid: copy.ownerPID, mode: mode, flags: LockFlags(rawValue: copy.exflags))
        rebuildOrphan(orphan, now: now)
    }

    /// Adds the orphan as a granted PERSISTENT lock of a throw-away handle, then closes the handle.
    private mutating func rebuildOrphan(_ orphan: OrphanCopy, now: MonotonicInstant) {
        let handle = Self.orphanRebuildHandle(orphan.owner)
        let owner = LockOwner(node: orphan.owner, pid: orphan.pid, handle: handle)
        _ = rebuildCopy(
            name: orphan.name, owner: owner, mode: orphan.mode, flags: orphan.flags.intersection(.persistent),
            valueBlock: nil, sequence: 0, keepPersistent: true, now: now)
        var effects: [EngineEffect] = []
        engine.closeHandle(handle, now: now, effects: &effects)
        invariant(effects.isEmpty, "orphan rebuild had effects", dump: "\(orphan.name) \(effects)")
    }

    /// The handle an orphan of `node` is rebuilt under (never a client's, never a master copy's).
    static func orphanRebuildHandle(_ node: NodeID) -> UInt64 { (UInt64(node) << handleNodeShift) | 2 }
}
