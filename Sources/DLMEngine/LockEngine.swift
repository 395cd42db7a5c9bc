// dlmd — DLMEngine: the lock engine of one lockspace on its master node (the decision half of lock.c).

import DLMCore

/// All locks of one lockspace mastered on this node, with the Linux DLM's grant, convert, cancel,
/// unlock, LVB, blocking-callback, orphan and timeout semantics (spec §1–§7).
///
/// The engine is a plain value: deterministic, no clocks (time comes in as `now:`), no I/O. Every
/// operation appends the callbacks it decided to an `effects` array the caller delivers in order.
/// Locks of remote nodes are held exactly like local ones; effects are routed by `LockOwner`.
///
/// Owner handles identify client connections; they must be unique within one engine across all
/// nodes (the cluster layer can put the node id into the high bits). Handle 0 means "orphan": no
/// effect is ever emitted for such a lock.
///
/// Lock life cycle:
///
///     lock() ──granted──────────────► granted ◄──convert granted / cancel / EDEADLK / EAGAIN──┐
///        │                              │  └─convert blocked──► converting ─────────────────────┘
///        └─blocked──► waiting ──grant───┘
///     any queue ──unlock / close──► gone        waiting ──cancel / EAGAIN / timeout──► gone
public struct LockEngine: Sendable {
    /// The lockspace's LVB length in bytes (`lvblen`).
    public let valueBlockLength: Int

    /// Lock records indexed by `id - 1`; nil for free ids.
    var locks: [Lock?] = []
    var resources: [ResourceName: Resource] = [:]
    var allocator = LockIDAllocator()
    /// Lock ids of every handle (orphans under handle 0).
    var locksByHandle: [UInt64: Set<LockID>] = [:]
    /// Pending LKF_TIMEOUT deadlines.
    var deadlines: [LockID: MonotonicInstant] = [:]
    /// While a handle is being closed or purged, effects for it are dropped.
    var silencedHandle: UInt64?

    /// Creates an empty engine.
    /// - Parameter valueBlockLength: the lockspace's LVB length (32 for userspace lockspaces).
    public init(valueBlockLength: Int = Limits.valueBlockBytesDefault) {
        self.valueBlockLength = valueBlockLength
    }

    // MARK: - Queries

    /// Number of locks in every queue of every resource.
    public var lockCount: Int { allocator.inUseCount }

    /// Number of resources with at least one lock.
    public var resourceCount: Int { resources.count }

    /// Number of orphaned PERSISTENT locks.
    public var orphanCount: Int { locksByHandle[0]?.count ?? 0 }

    /// Number of locks owned by `handle` (0 counts orphans).
    public func lockCount(ownedBy handle: UInt64) -> Int { locksByHandle[handle]?.count ?? 0 }

    /// A view of lock `id`, or nil when no such lock exists.
    public func lockSnapshot(_ id: LockID) -> LockSnapshot? { lock(id)?.snapshot() }

    /// A view of resource `name` with its queues in order (grant queue head first, i.e. newest
    /// grant first as in the kernel), or nil when it has no locks.
    public func resourceSnapshot(_ name: ResourceName) -> ResourceSnapshot? {
        guard let resource = resources[name] else { return nil }
        func views<S: Sequence>(_ ids: S) -> [LockSnapshot] where S.Element == LockID {
            ids.compactMap { lock($0)?.snapshot() }
        }
        return ResourceSnapshot(
            name: name, granted: views(resource.grantedHeadFirst), converting: views(resource.converting),
            waiting: views(resource.waiting), valueBlock: resource.valueBlock,
            valueBlockSequence: resource.valueBlockSequence, valueBlockInvalid: resource.valueBlockInvalid)
    }

    /// Names of all resources with locks, sorted.
    public func resourceNames() -> [ResourceName] { resources.keys.sorted() }

    /// Earliest pending LKF_TIMEOUT deadline, for the shell's timer.
    public var nextTimeoutDeadline: MonotonicInstant? { deadlines.values.min() }

    // MARK: - Lock table

    func lock(_ id: LockID) -> Lock? {
        let index = Int(id) - 1
        guard index >= 0, index < locks.count else { return nil }
        return locks[index]
    }

    /// In-place access to an existing lock.
    @discardableResult
    mutating func update<R>(_ id: LockID, _ body: (inout Lock) -> R) -> R {
        let index = Int(id) - 1
        invariant(index >= 0 && index < locks.count && locks[index] != nil, "update of a missing lock", dump: "id \(id)")
        return body(&locks[index]!)
    }

    /// Stores a new lock under a fresh id and indexes it by handle.
    mutating func insertLock(request: LockRequest, now: MonotonicInstant) -> LockID {
        let id = allocator.allocate()
        let index = Int(id) - 1
        if index == locks.count { locks.append(nil) }
        locks[index] = Lock(id: id, request: request, now: now)
        locksByHandle[request.owner.handle, default: []].insert(id)
        return id
    }

    /// Forgets lock `id` (already off its queue); frees its resource when that was the last lock.
    mutating func discardLock(_ id: LockID) {
        let index = Int(id) - 1
        guard let lock = locks[index] else { return }
        locks[index] = nil
        allocator.release(id)
        while let last = locks.last, last == nil, locks.count > Int(allocator.nextFresh - 1) { locks.removeLast() }
        removeFromHandleIndex(id, handle: lock.owner.handle)
        deadlines[id] = nil
        if resources[lock.resource]?.isEmpty == true { resources[lock.resource] = nil }
    }

    mutating func removeFromHandleIndex(_ id: LockID, handle: UInt64) {
        guard var ids = locksByHandle.removeValue(forKey: handle) else { return }
        ids.remove(id)
        if !ids.isEmpty { locksByHandle[handle] = ids }
    }

    /// Moves lock `id` to `owner`, keeping the handle index in step.
    mutating func setOwner(_ id: LockID, _ owner: LockOwner) {
        let old = update(id) { lock in
            let old = lock.owner.handle
            lock.owner = owner
            return old
        }
        removeFromHandleIndex(id, handle: old)
        locksByHandle[owner.handle, default: []].insert(id)
    }

    // MARK: - Effects

    /// Appends a completion unless its owner is an orphan or a handle being closed.
    func emitCompletion(_ completion: Completion, into effects: inout [EngineEffect]) {
        guard completion.owner.handle != 0, completion.owner.handle != silencedHandle else { return }
        effects.append(.completion(completion))
    }

    /// Appends a bast unless its owner is an orphan or a handle being closed.
    func emitBlocking(_ notice: BlockingNotice, into effects: inout [EngineEffect]) {
        guard notice.owner.handle != 0, notice.owner.handle != silencedHandle else { return }
        effects.append(.blocking(notice))
    }
}
