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
/// Decisions where the spec leaves a choice (details in the files named):
/// - CONVERT with lock id 0 is EINVAL, as in the in-kernel API (`+Validation`).
/// - NODLCKWT is honoured as the modern kernel does (`+Grant`), not ignored.
/// - VALNOTVALID follows the kernel variant; completions carry the LVB on R and "-" cells of
///   (previous completion mode → new mode), zeros when the resource has none (`+ValueBlock`).
/// - IVVALBLK invalidates in a write position even without VALBLK, as the kernel does.
/// - LKF_TIMEOUT is implemented (spec §0): expiry completes with ETIMEDOUT (`+Timeouts`).
/// - A second CANCEL since the last `lock` call is EINVAL even when the first found nothing.
/// - Closing a handle deals with all its locks first, then re-evaluates the resources, so a dying
///   handle is never granted anything (`+Orphans`).
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
    /// Most locks the engine holds at once; new requests beyond it fail with ENOMEM.
    public let lockCountMax: Int

    /// Lock records indexed by `id - 1`; nil for free ids.
    var locks: [Lock?] = []
    var resources = ResourceTable()
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
        self.init(valueBlockLength: valueBlockLength, lockCountMax: Limits.locksPerLockspaceMax)
    }

    /// Creates an empty engine with a lock-count bound other than `Limits.locksPerLockspaceMax`.
    /// - Parameters:
    ///   - valueBlockLength: the lockspace's LVB length.
    ///   - lockCountMax: most locks held at once (new requests beyond it throw ENOMEM).
    public init(valueBlockLength: Int, lockCountMax: Int) {
        self.valueBlockLength = valueBlockLength
        self.lockCountMax = lockCountMax
    }

    // MARK: - Queries

    /// Number of locks in every queue of every resource.
    public var lockCount: Int { allocator.inUseCount }

    /// Number of resources with at least one lock.
    public var resourceCount: Int { resources.count }

    /// Whether `name` has at least one lock (cheaper than `resourceSnapshot` on hot paths).
    public func hasResource(_ name: ResourceName) -> Bool { resources[name] != nil }

    /// Number of orphaned PERSISTENT locks.
    public var orphanCount: Int { locksByHandle[0]?.count ?? 0 }

    /// Number of locks owned by `handle` (0 counts orphans).
    public func lockCount(ownedBy handle: UInt64) -> Int { locksByHandle[handle]?.count ?? 0 }

    /// A view of lock `id`, or nil when no such lock exists.
    public func lockSnapshot(_ id: LockID) -> LockSnapshot? {
        guard let lock = lock(id), let resource = resources[lock.slot] else { return nil }
        return lock.snapshot(resource: resource.name)
    }

    /// A view of resource `name` with its queues in order (grant queue head first, i.e. newest
    /// grant first as in the kernel), or nil when it has no locks.
    public func resourceSnapshot(_ name: ResourceName) -> ResourceSnapshot? {
        guard let resource = resources[name] else { return nil }
        func views<S: Sequence>(_ ids: S) -> [LockSnapshot] where S.Element == LockID {
            ids.compactMap { lock($0)?.snapshot(resource: name) }
        }
        return ResourceSnapshot(
            name: name, granted: views(resource.grantedHeadFirst), converting: views(resource.converting),
            waiting: views(resource.waiting), valueBlock: resource.valueBlock,
            valueBlockSequence: resource.valueBlockSequence, valueBlockInvalid: resource.valueBlockInvalid)
    }

    /// Names of all resources with locks, sorted.
    public func resourceNames() -> [ResourceName] { resources.index.keys.sorted() }

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
        let slot = resources.slotCreating(request.name)
        locks[index] = Lock(id: id, slot: slot, request: request, now: now)
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
        if lock.deadline != nil { deadlines[id] = nil }
        if resources[lock.slot]?.isEmpty == true { resources.free(lock.slot) }
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
