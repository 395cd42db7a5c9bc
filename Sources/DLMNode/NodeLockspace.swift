// dlmd — DLMNode: one lockspace on one node: the holder side (process copies), the master side (the
// engine with master copies of remote holders) and the directory part it serves.

import DLMCore
import DLMDirectory
import DLMEngine
import DLMRecovery
import DLMWire

/// A remote holder's lock as the master knows it: its node and its id there (`m_remid`).
struct RemoteHolder: Sendable, Hashable {
    var node: NodeID
    var lockID: LockID
}

/// Holder-side state of a resource this node has locks on.
struct HolderResource: Sendable {
    /// The lock whose LOOKUP or first REQUEST resolves the master; nil when the master is known.
    var carrier: LockID?
    /// Locks waiting for the master to be known, in arrival order.
    var waiting: [LockID] = []
    /// Local locks on the resource (any place).
    var lockCount = 0
}

/// The per-lockspace state machine. Entry points are in extensions: client calls
/// (`+Client`), messages to the master (`+Master`), replies to the holder (`+Holder`), mastery and
/// directory (`+Mastery`), checks (`+Invariants`).
struct NodeLockspace: Sendable {
    let node: NodeID
    let globalID: UInt32
    let configuration: LockspaceConfiguration
    var map: DirectoryMap

    /// Locks mastered here, local and remote holders alike.
    var engine: LockEngine
    /// Directory records of names whose directory node is this node.
    var directory = ResourceDirectory()
    /// Masters this node knows for resources mastered elsewhere.
    var masterCache: MasterCache
    /// Names this node masters (directory mode), with the instant they became inactive.
    var mastered: [ResourceName: MasteredResource] = [:]
    /// Mastered names in the order they became inactive (one toss duration for all, so the queue is
    /// sorted by deadline). Entries whose resource became active again, or was freed, are stale and
    /// skipped when they reach the head; this keeps `nextDeadline` O(1) instead of a scan per call.
    var tossQueue: [(name: ResourceName, since: MonotonicInstant)] = []
    var tossQueueHead = 0

    /// Client locks of this node by node lock id.
    var locks = LockTable<HolderLock>()
    var allocator = NodeLockIDAllocator()
    var holderResources: [ResourceName: HolderResource] = [:]
    /// Engine id → node lock id, for locally owned locks mastered here.
    var localByEngineID = LockTable<LockID>()
    /// Engine id → remote holder, for master copies.
    var remoteByEngineID: [LockID: RemoteHolder] = [:]

    // MARK: Recovery (NodeLockspace+Recovery)
    var phase: RecoveryPhase = .running
    /// View generation this lockspace last started in.
    var generation: UInt64 = 1
    /// The fencing clock (Lamport-style, `NodeLockspace+Fencing.swift`).
    var fenceClock: UInt64 = 0
    var progress: RecoveryProgress?
    /// Messages held while stopped or rebuilding: (sender generation, sender, message).
    var held: [HeldMessage] = []
    /// New requests to reissue once locking resumes.
    var resendNew: [LockID] = []
    /// Conversions to reissue once locking resumes.
    var resendConvert: [LockRequest] = []
    /// Handles closed while stopped, closed for real once locking resumes.
    var pendingCloses: [UInt64] = []
    /// Client calls made while stopped or rebuilding, run in order at resume (+Deferred).
    var deferredCalls: [DeferredCall] = []
    /// Ids given to queued new locks, with their handles.
    var reservedIDs: [LockID: UInt64] = [:]
    /// LVB evidence per rebuilt resource this node masters, decided at resume (+ValueBlockRecovery).
    var valueBlockRecoveries: [ResourceName: ValueBlockRecovery] = [:]
    /// Member slots of the last completed recovery (or of the first view).
    var slots: [NodeID: UInt16] = [:]
    /// Slots the members reported in the running recovery (STATUS_REPLY before their DONE).
    var slotReports: [NodeID: UInt16] = [:]
    /// Queued calls that failed, for the daemon's log (`DLMNode.takeDeferredCallFailures`).
    var deferredFailures: [DeferredCallFailure] = []

    init(node: NodeID, configuration: LockspaceConfiguration, members: Set<NodeID>) throws(DLMErrno) {
        self.node = node
        self.globalID = configuration.globalID
        self.configuration = configuration
        self.map = try DirectoryMap(members: members, configuredWeights: configuration.masterWeights)
        self.engine = LockEngine(valueBlockLength: configuration.valueBlockLength, lockCountMax: configuration.lockCountMax)
        self.masterCache = MasterCache(tossDuration: configuration.cacheTossDuration ?? configuration.tossDuration)
    }

    /// Handle given to the engine for every master copy owned by `node`: node ids live in the high
    /// bits, above every local client handle.
    static func remoteHandle(_ node: NodeID) -> UInt64 { (UInt64(node) << Self.handleNodeShift) | 1 }
    static let handleNodeShift: UInt64 = 40
    /// Local client handles must stay below this.
    static let localHandleLimit: UInt64 = 1 << handleNodeShift

    static let emptyName: ResourceName = try! ResourceName(bytes: [UInt8]())

    // MARK: - Output helpers

    func send(_ message: WireMessage, to peer: NodeID, _ directives: inout [NodeDirective]) {
        invariant(peer != node, "message addressed to self", dump: "\(message.type) node \(node)")
        directives.append(.send(to: peer, lockspace: globalID, message: stampingFenceClock(message)))
    }

    /// Delivers a completion for local lock `id` (with this node's id), unless the handle closed.
    mutating func deliverCompletion(
        _ id: LockID, status: CompletionStatus, flags: StatusFlags, grantedMode: LockMode?,
        valueBlock: ValueBlock?, fenceToken: UInt64 = 0, _ directives: inout [NodeDirective]
    ) {
        guard var lock = locks[id] else { return }
        lock.filter.completionQueued(grantedMode: grantedMode)
        if status == .granted || grantedMode != nil { lock.lastCompletedMode = grantedMode }
        locks[id] = lock
        guard !lock.silenced else { return }
        let completion = Completion(
            lockID: id, owner: lock.owner, status: status, flags: flags, grantedMode: grantedMode,
            valueBlock: valueBlock, fenceToken: fenceToken)
        directives.append(.deliver(lockspace: globalID, effect: .completion(completion)))
    }

    /// Delivers a bast for local lock `id` after the delivery-side filter.
    mutating func deliverBlocking(_ id: LockID, mode: LockMode, _ directives: inout [NodeDirective]) {
        guard var lock = locks[id], !lock.silenced else { return }
        let keep = lock.filter.shouldQueueBlocking(mode: mode)
        locks[id] = lock
        guard keep else { return }
        let notice = BlockingNotice(lockID: id, owner: lock.owner, mode: mode)
        directives.append(.deliver(lockspace: globalID, effect: .blocking(notice)))
    }

    /// Forgets local lock `id`: its record, id and resource count.
    mutating func freeLock(_ id: LockID, now: MonotonicInstant) {
        guard let lock = locks.removeValue(forKey: id) else { return }
        allocator.release(id)
        if case .local(let engineID) = lock.place { localByEngineID[engineID] = nil }
        guard var resource = holderResources[lock.name] else { return }
        resource.lockCount -= 1
        resource.waiting.removeAll { $0 == id }
        if resource.carrier == id { resource.carrier = nil }
        if resource.lockCount == 0 {
            holderResources[lock.name] = nil
            masterCache.markInactive(lock.name, now: now)
        } else {
            holderResources[lock.name] = resource
        }
    }
}
