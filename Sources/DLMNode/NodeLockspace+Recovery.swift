// dlmd — DLMNode: lockspace recovery after a view change. dlmd rebuilds all master state from the
// holders' process copies on every recovery (the spec's NODIR path, §10.3, used in both modes):
// the master of a surviving resource is its directory (hash) node in the new view.

import DLMCore
import DLMDirectory
import DLMEngine
import DLMRecovery
import DLMWire

/// A normal message held while the lockspace is stopped or rebuilding.
struct HeldMessage: Sendable {
    var generation: UInt64
    var sender: NodeID
    var message: WireMessage
}

/// Recovery status bit of the DONE barrier (spec §10.2).
let recoveryDoneBit: Int32 = 0x40

extension NodeLockspace {
    /// Stop: refuse client calls, hold normal messages.
    mutating func stop() { if phase == .running || phase == .inquorate { phase = .stopped } }

    /// Commit of view `generation` with `members`: turn every lock into a process copy, settle
    /// in-flight operations (§10.4), drop all master state, send surviving granted locks to their new
    /// masters and DONE to every peer.
    mutating func beginRecovery(
        members: Set<NodeID>, generation: UInt64, now: MonotonicInstant, _ directives: inout [NodeDirective]
    ) {
        self.generation = generation
        phase = .rebuilding
        held.removeAll { $0.generation < generation }
        let records = masterValueBlockRecords(members: members)
        let orphans = survivingOrphans(members: members)
        map = try! DirectoryMap(members: members, configuredWeights: configuration.masterWeights)
        captureLocalLocks()
        var rebuild: [LockID] = []
        // Conversions marked by an unfinished earlier recovery keep their mark (their lock records
        // no longer show them as pending); new requests are marked again by `settle`.
        let carried = resendConvert
        resendNew = []
        resendConvert = []
        for id in locks.keys.sorted() { settle(id, now: now, rebuild: &rebuild, &directives) }
        let marked = Set(resendConvert.map(\.lockID))
        resendConvert = carried.filter { locks[$0.lockID] != nil && !marked.contains($0.lockID) } + resendConvert
        engine = LockEngine(valueBlockLength: configuration.valueBlockLength)
        directory = ResourceDirectory()
        masterCache = MasterCache(tossDuration: configuration.cacheTossDuration ?? configuration.tossDuration)
        mastered = [:]
        localByEngineID = [:]
        remoteByEngineID = [:]
        for name in holderResources.keys { holderResources[name]?.carrier = nil; holderResources[name]?.waiting = [] }
        var progress = RecoveryProgress(sequence: generation, peers: members.subtracting([node]))
        valueBlockRecoveries = [:]
        for (name, state) in records.sorted(by: { $0.key < $1.key }) { sendValueBlockRecord(name, state, &directives) }
        moveOrphans(orphans, now: now, &directives)
        for id in rebuild { transfer(id, progress: &progress, now: now, &directives) }
        self.progress = progress
        slotReports = [node: slots[node] ?? 0]
        var report = StatusReply()
        report.lvbLength = UInt32(configuration.valueBlockLength)
        report.ourSlot = slots[node] ?? 0
        report.generation = UInt32(truncatingIfNeeded: generation)
        for peer in progress.peers.sorted() {
            send(.statusReply(RecoveryHeader(sequence: generation), report), to: peer, &directives)
            send(.status(RecoveryHeader(result: recoveryDoneBit, sequence: generation), needSlots: false), to: peer, &directives)
        }
        // Recovery traffic of this generation that arrived before the commit reached this node.
        let early = held.filter { $0.generation == generation && Self.isRecoveryTraffic($0.message) }
        held.removeAll { $0.generation == generation && Self.isRecoveryTraffic($0.message) }
        for entry in early { receive(entry.message, generation: entry.generation, from: entry.sender, now: now, &directives) }
        resumeIfComplete(now: now, &directives)
    }

    /// Locally mastered locks become process copies with the modes the engine gave them.
    private mutating func captureLocalLocks() {
        for id in locks.keys.sorted() {
            guard let lock = locks[id], case .local(let engineID) = lock.place else { continue }
            let snapshot = engine.lockSnapshot(engineID)
            locks[id]?.place = .awaitingMaster
            locks[id]?.granted = snapshot?.grantedMode
            locks[id]?.requested = snapshot?.requestedMode
            locks[id]?.lastCompletedMode = snapshot?.grantedMode
            if let flags = snapshot?.flags { locks[id]?.flags = flags }
            if snapshot?.flags.contains(.valueBlock) == true, let resource = engine.resourceSnapshot(lock.name) {
                locks[id]?.recoveryValueBlock = resource.valueBlock ?? ValueBlock(zeroed: configuration.valueBlockLength)
                locks[id]?.valueBlockSequence = resource.valueBlockSequence
            }
            locks[id]?.inFlight = snapshot?.queue == .granted ? [] : [.request]
        }
    }

    /// §10.4 for one lock: fake the replies of unlocks and cancels, mark requests and conversions
    /// for reissue, and list granted locks for transfer.
    private mutating func settle(_ id: LockID, now: MonotonicInstant, rebuild: inout [LockID], _ directives: inout [NodeDirective]) {
        guard var lock = locks[id] else { return }
        let cancelled = lock.deferredCancel ?? (lock.inFlight.contains(.cancel) ? .cancelled : nil)
        if lock.inFlight.contains(.unlock) || lock.deferredForceUnlock != nil && lock.granted == nil {
            deliverCompletion(id, status: .unlocked, flags: [], grantedMode: nil, valueBlock: nil, &directives)
            freeLock(id, now: now)
            return
        }
        lock.inFlight = []
        lock.deferredCancel = nil
        lock.place = .awaitingMaster
        guard let granted = lock.granted else {
            locks[id] = lock
            if let cancelled {
                deliverCompletion(id, status: cancelled, flags: [], grantedMode: nil, valueBlock: nil, &directives)
                freeLock(id, now: now)
            } else {
                resendNew.append(id)
            }
            return
        }
        if let requested = lock.requested {
            lock.requested = nil
            lock.granted = Self.rebuildMode(granted: granted, requested: requested, flags: lock.flags)
            locks[id] = lock
            if let cancelled {
                deliverCompletion(id, status: cancelled, flags: [], grantedMode: lock.granted, valueBlock: nil, &directives)
            } else {
                var request = lock.request
                request.lockID = id
                request.mode = requested
                request.flags = lock.flags.union(.convert)
                request.valueBlock = lock.valueBlock
                resendConvert.append(request)
            }
        } else {
            locks[id] = lock
        }
        rebuild.append(id)
    }

    /// The mode a lock with a pending conversion is rebuilt with: what its old mode and every mode the
    /// old master may already have granted it allow (a CONVDEADLK conversion may have been demoted to NL).
    static func rebuildMode(granted: LockMode, requested: LockMode, flags: LockFlags) -> LockMode {
        if flags.contains(.convertDeadlock) { return .nl }
        var targets = [requested]
        if flags.contains(.alternatePR) { targets.append(.pr) }
        if flags.contains(.alternateCW) { targets.append(.cw) }
        return targets.reduce(granted) { LockMode.isMiddleConversion(from: $0, to: $1) ? .cr : min($0, $1) }
    }

    /// Sends granted lock `id` to its new master, or rebuilds it here.
    private mutating func transfer(_ id: LockID, progress: inout RecoveryProgress, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard let lock = locks[id], let granted = lock.granted else { return }
        let master = map.directoryNode(for: lock.name)
        if master == node {
            let engineID = rebuildCopy(
                name: lock.name, owner: lock.owner, mode: granted, flags: lock.flags,
                valueBlock: lock.recoveryValueBlock, sequence: lock.valueBlockSequence, now: now)
            locks[id]?.place = .local(engineID: engineID)
            localByEngineID[engineID] = id
            return
        }
        masterCache.record(lock.name, master: master)
        locks[id]?.place = .remote(master: master, remoteID: 0)
        var copy = RecoveryLock(name: lock.name)
        copy.ownerPID = lock.owner.pid
        copy.lockID = id
        copy.exflags = lock.flags.rawValue
        copy.grantedMode = granted
        copy.status = .granted
        if lock.flags.contains(.valueBlock), let block = lock.recoveryValueBlock {
            copy.valueBlock = block
            copy.lvbSequence = lock.valueBlockSequence
        }
        progress.transferSent(id)
        send(.lockTransfer(RecoveryHeader(sequence: generation), copy), to: master, &directives)
    }

    /// Adds a granted master copy to the (new) engine. Every rebuilt copy is compatible with the
    /// others (they were granted together), so a NOQUEUE request is granted at once.
    mutating func rebuildCopy(
        name: ResourceName, owner: LockOwner, mode: LockMode, flags: LockFlags, valueBlock: ValueBlock?, sequence: UInt32,
        keepPersistent: Bool = false, now: MonotonicInstant
    ) -> LockID {
        if flags.contains(.valueBlock), let valueBlock {
            valueBlockRecoveries[name, default: ValueBlockRecovery()].addCopy(granted: mode, block: valueBlock, sequence: sequence)
        }
        if map.directoryNode(for: name) == node && !configuration.noDirectory { _ = directory.lookup(name, asker: node) }
        becomeMaster(name)
        let kept: LockFlags = keepPersistent ? [.valueBlock, .persistent] : .valueBlock
        var request = LockRequest(owner: owner, name: name, mode: mode, flags: flags.intersection(kept).union(.noQueue))
        if request.flags.contains(.valueBlock) { request.valueBlock = ValueBlock(bytes: [], length: configuration.valueBlockLength) }
        var effects: [EngineEffect] = []
        let result = try? engine.lock(request, now: now, effects: &effects)
        let granted = effects.contains { if case .completion(let c) = $0 { c.status == .granted } else { false } }
        invariant(
            result != nil && granted, "rebuilt lock not granted",
            dump: "\(name) \(mode) \(owner) on node \(node) gen \(generation): \(engine.resourceSnapshot(name).map { $0.granted.map { "\($0.owner) \($0.grantedMode!)" } } ?? [])")
        return result!.lockID
    }

    /// RCOM LOCK from a holder (idempotent: a copy already rebuilt for (sender, id) is answered again).
    mutating func onLockTransfer(_ header: RecoveryHeader, _ copy: RecoveryLock, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        if copy.flags & valueBlockRecordFlag != 0 { return onValueBlockRecord(copy) }
        if copy.flags & orphanTransferFlag != 0 { return onOrphanTransfer(copy, now: now) }
        let holder = RemoteHolder(node: sender, lockID: copy.lockID)
        var engineID = remoteByEngineID.first { $0.value == holder }?.key
        if engineID == nil, let mode = copy.grantedMode {
            let owner = LockOwner(node: sender, pid: copy.ownerPID, handle: Self.remoteHandle(sender))
            let id = rebuildCopy(
                name: copy.name, owner: owner, mode: mode, flags: LockFlags(rawValue: copy.exflags),
                valueBlock: copy.valueBlock, sequence: copy.lvbSequence, now: now)
            remoteByEngineID[id] = holder
            engineID = id
        }
        var reply = RecoveryLock(name: copy.name)
        reply.lockID = copy.lockID
        reply.remoteID = engineID ?? 0
        send(.lockTransferReply(RecoveryHeader(sequenceReply: header.sequence), reply), to: sender, &directives)
    }

    /// The new master's id for a transferred lock.
    mutating func onLockTransferReply(_ header: RecoveryHeader, _ copy: RecoveryLock, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard var progress, progress.transferAnswered(copy.lockID, sequence: header.sequenceReply) else { return }
        self.progress = progress
        if locks[copy.lockID]?.master == sender { locks[copy.lockID]?.place = .remote(master: sender, remoteID: copy.remoteID) }
        resumeIfComplete(now: now, &directives)
    }

    /// STATUS with the DONE bit: `sender` sent all its locks for this recovery.
    mutating func onRecoveryDone(_ header: RecoveryHeader, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard header.result & recoveryDoneBit != 0, var progress, progress.peerDone(sender, sequence: header.sequence) else { return }
        self.progress = progress
        resumeIfComplete(now: now, &directives)
    }

    /// Barrier passed: resume locking, process held messages, reissue requests and conversions.
    private mutating func resumeIfComplete(now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard phase == .rebuilding, progress?.isComplete == true else { return }
        phase = .running
        progress = nil
        restoreValueBlocks()
        slots = SlotAssignment.assign(reports: slotReports.merging(map.members.map { ($0, 0) }) { reported, _ in reported })
        slotReports = [:]
        let heldNow = held.filter { $0.generation == generation }
        held.removeAll { $0.generation <= generation }
        for entry in heldNow { onMessage(entry.message, from: entry.sender, now: now, &directives) }
        let news = resendNew
        let converts = resendConvert
        resendNew = []
        resendConvert = []
        for id in news { submitNew(id, now: now, &directives) }
        for request in converts { reissueConvert(request, now: now, &directives) }
        runDeferredCalls(now: now, &directives)
        let closes = pendingCloses
        pendingCloses = []
        for handle in closes { closeHandle(handle, now: now, &directives) }
        touchAllMastered(now: now)
    }

    private mutating func reissueConvert(_ request: LockRequest, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard let lock = locks[request.lockID] else { return }
        do {
            _ = try self.lock(request, now: now, &directives)
        } catch {
            deliverCompletion(request.lockID, status: .cancelled, flags: [], grantedMode: lock.granted, valueBlock: nil, &directives)
        }
    }
}

extension NodeLockspace {
    /// A peer message tagged with the generation its sender was in.
    mutating func receive(
        _ message: WireMessage, generation sent: UInt64, from sender: NodeID, now: MonotonicInstant,
        _ directives: inout [NodeDirective]
    ) {
        let isRecovery = Self.isRecoveryTraffic(message)
        switch RecoveryProgress.disposition(generation: sent, current: generation, phase: phase, isRecoveryTraffic: isRecovery) {
        case .drop:
            return
        case .hold:
            held.append(HeldMessage(generation: sent, sender: sender, message: message))
        case .process:
            switch message {
            case .lockTransfer(let header, let copy): onLockTransfer(header, copy, from: sender, now: now, &directives)
            case .lockTransferReply(let header, let copy): onLockTransferReply(header, copy, from: sender, now: now, &directives)
            case .status(let header, _): onRecoveryDone(header, from: sender, now: now, &directives)
            case .statusReply(let header, let report):
                if header.sequence == generation && phase == .rebuilding { slotReports[sender] = report.ourSlot }
            default: onMessage(message, from: sender, now: now, &directives)
            }
        }
    }

    static func isRecoveryTraffic(_ message: WireMessage) -> Bool {
        switch message {
        case .lockTransfer, .lockTransferReply, .status, .statusReply: return true
        default: return false
        }
    }

    /// The error client calls get while locking is not running, nil when it is (calls made while
    /// stopped or rebuilding are queued before this is consulted; see `queuesCalls`).
    var refusal: DLMErrno? {
        switch phase {
        case .running: return nil
        case .inquorate: return .ENOTCONN
        case .stopped, .rebuilding: return .EAGAIN
        }
    }

    /// A handle closed while locking is stopped: silence its locks now, release them on resume.
    mutating func deferClose(_ handle: UInt64) {
        dropDeferredCalls(of: handle)
        for id in locks.keys where locks[id]?.owner.handle == handle { locks[id]?.silenced = true }
        pendingCloses.append(handle)
    }
}
