// dlmd — DLMSimulation: the cluster-wide oracle: what the clients believe they hold must be pairwise
// compatible on every resource, and every request must complete exactly once.

import DLMCore
import DLMEngine

/// Tracks, from client calls and delivered completions only, which modes holders believe they hold,
/// and records every violation as a message.
public struct ClusterChecker: Sendable {
    /// A client lock as its owner sees it.
    struct Tracked: Sendable {
        var resource: ResourceName
        var handle: UInt64
        /// Mode the owner may rely on (nil: none, or released by an unlock call).
        var believed: LockMode?
        /// A lock/convert call awaits its completion.
        var requestPending = false
        /// An unlock (or force-unlock, or handle close) was called: an EUNLOCK may follow, nothing is relied on.
        var released = false
        /// Mode of the last completion that reported one (what the holder held before a conversion).
        var lastGranted: LockMode?
    }

    struct Key: Hashable, Sendable {
        var node: NodeID
        var lockID: LockID
    }

    var tracked: [Key: Tracked] = [:]
    /// Locks that ended (request refused or cancelled) after an unlock call: the node may still send
    /// that unlock's EUNLOCK once (overlapping cancel and force-unlock, spec §5.3).
    var tombstones: Set<Key> = []
    /// Handles that closed: nothing may be delivered to them any more.
    var closedHandles: Set<Key> = []
    /// Every LVB a client sent on each resource (writes and the callers' own buffers).
    var valueBlocksSent: [ResourceName: Set<ValueBlock>] = [:]
    public private(set) var violations: [String] = []
    public private(set) var completions = 0
    /// Highest fencing token granted per resource (they must strictly grow, across remastering and
    /// recovery: docs/cluster.md "Fencing tokens").
    var highestToken: [ResourceName: UInt64] = [:]
    /// EX/PW grants whose token was checked.
    public private(set) var tokensChecked = 0

    public init() {}

    mutating func fail(_ message: String) {
        if violations.count < 20 { violations.append(message) }
    }

    /// A lock call returned a lock id with a completion to follow.
    /// While a conversion is pending the master may grant it before the holder hears of it, so the
    /// holder may rely only on what both its old mode and every possible new mode allow (`targets`:
    /// the requested mode and an ALTPR/ALTCW alternative). A CONVDEADLK conversion may be demoted
    /// to NL meanwhile (`mayDemote`).
    mutating func requested(
        node: NodeID, lockID: LockID, handle: UInt64, resource: ResourceName, isConvert: Bool,
        targets: [LockMode] = [], mayDemote: Bool = false
    ) {
        let key = Key(node: node, lockID: lockID)
        if isConvert {
            guard var lock = tracked[key] else { return fail("convert of untracked lock \(node)/\(lockID)") }
            if lock.requestPending { fail("second request pending on \(node)/\(lockID)") }
            lock.requestPending = true
            if let held = lock.believed {
                lock.believed = targets.reduce(held) { Self.meet($0, $1) }
            }
            if mayDemote { lock.believed = .nl }
            tracked[key] = lock
            return
        }
        if tracked[key] != nil { fail("lock id \(lockID) on node \(node) handed out twice") }
        tombstones.remove(key)
        tracked[key] = Tracked(resource: resource, handle: handle, requestPending: true)
    }

    /// An unlock or force-unlock call was accepted: the lock is not relied on any more.
    mutating func released(node: NodeID, lockID: LockID) {
        tracked[Key(node: node, lockID: lockID)]?.released = true
        tracked[Key(node: node, lockID: lockID)]?.believed = nil
    }

    /// A convert call failed synchronously: no completion follows.
    mutating func withdrawRequest(node: NodeID, lockID: LockID) {
        tracked[Key(node: node, lockID: lockID)]?.requestPending = false
    }

    /// An unlock call failed synchronously: the lock is held as before.
    mutating func unreleased(node: NodeID, lockID: LockID, mode: LockMode?) {
        tracked[Key(node: node, lockID: lockID)]?.released = false
        tracked[Key(node: node, lockID: lockID)]?.believed = mode
    }

    /// A call carried `block` for a lock on `resource`.
    mutating func valueBlockSent(_ block: ValueBlock, resource: ResourceName) {
        valueBlocksSent[resource, default: []].insert(block)
    }

    /// An LVB handed to a client must be zeros or one some client sent for the same resource.
    mutating func checkValueBlock(_ block: ValueBlock, resource: ResourceName, key: Key) {
        guard block.bytes.contains(where: { $0 != 0 }) else { return }
        if valueBlocksSent[resource]?.contains(block) != true {
            fail("LVB \(block.bytes.prefix(3)) delivered to \(key.node)/\(key.lockID) was never written on \(resource)")
        }
    }

    /// A handle closed: forget its locks; nothing may arrive for it later.
    mutating func closed(node: NodeID, handle: UInt64) {
        for (key, lock) in tracked where key.node == node && lock.handle == handle { tracked[key] = nil }
        closedHandles.insert(Key(node: node, lockID: LockID(truncatingIfNeeded: handle)))
    }

    /// A completion was delivered to a client on `node`. `reportedMode` is what the checker is told
    /// (differs from the completion only under the corruption test hook).
    mutating func completed(node: NodeID, _ completion: Completion, reportedMode: LockMode?) {
        completions += 1
        if closedHandles.contains(Key(node: node, lockID: LockID(truncatingIfNeeded: completion.owner.handle))) {
            return fail("completion delivered to closed handle \(completion.owner.handle) on node \(node)")
        }
        let key = Key(node: node, lockID: completion.lockID)
        if completion.status == .unlocked, tracked[key] == nil, tombstones.remove(key) != nil { return }
        guard var lock = tracked[key] else {
            return fail("completion \(completion.status) for unknown lock \(node)/\(completion.lockID)")
        }
        if completion.status == .unlocked {
            if !lock.released { fail("EUNLOCK without an unlock call on \(node)/\(completion.lockID)") }
            tracked[key] = nil
            return
        }
        if let block = completion.valueBlock { checkValueBlock(block, resource: lock.resource, key: key) }
        if !lock.requestPending {
            fail("completion \(completion.status) with no request pending on \(node)/\(completion.lockID)")
        }
        lock.requestPending = false
        if completion.grantedMode == nil && completion.status != .granted {
            if lock.released { tombstones.insert(key) }
            tracked[key] = nil
            return
        }
        checkFenceToken(completion, resource: lock.resource, previous: lock.lastGranted, released: lock.released, key: key)
        lock.lastGranted = completion.grantedMode
        if !lock.released { lock.believed = reportedMode }
        tracked[key] = lock
        checkCompatibility(lock.resource)
    }

    /// An EX/PW grant a client relies on carries a token above every earlier one of its resource.
    /// Exceptions: a grant arriving for a lock already being unlocked (the master may have granted a
    /// newer holder before this GRANT arrives: the stale holder's lower token is what fencing is for),
    /// and a conversion that does not go up (completed by the holder without the master: the lock
    /// keeps its token).
    mutating func checkFenceToken(
        _ completion: Completion, resource: ResourceName, previous: LockMode?, released: Bool, key: Key
    ) {
        guard completion.status == .granted, let mode = completion.grantedMode, mode == .ex || mode == .pw else { return }
        guard !released else { return }
        guard completion.fenceToken != 0 else {
            if (previous ?? .nl) < mode { fail("\(mode) grant without a fencing token on \(key.node)/\(key.lockID)") }
            return
        }
        tokensChecked += 1
        let highest = highestToken[resource] ?? 0
        if completion.fenceToken <= highest {
            fail("fencing token \(completion.fenceToken) on \(resource) not above \(highest) (\(key.node)/\(key.lockID))")
        }
        highestToken[resource] = max(highest, completion.fenceToken)
    }

    /// The strongest mode both `a` and `b` allow (PR and CW meet at CR).
    static func meet(_ a: LockMode, _ b: LockMode) -> LockMode {
        LockMode.isMiddleConversion(from: a, to: b) ? .cr : min(a, b)
    }

    /// Every pair of believed modes on `resource` must be compatible.
    mutating func checkCompatibility(_ resource: ResourceName) {
        let held = tracked.filter { $0.value.resource == resource && $0.value.believed != nil }
            .sorted { ($0.key.node, $0.key.lockID) < ($1.key.node, $1.key.lockID) }
        for (index, first) in held.enumerated() {
            for second in held[(index + 1)...] where !first.value.believed!.isCompatible(with: second.value.believed!) {
                fail("incompatible grants on \(resource): \(first.key.node)/\(first.key.lockID) \(first.value.believed!) "
                    + "and \(second.key.node)/\(second.key.lockID) \(second.value.believed!)")
            }
        }
    }

    /// Believed non-NL holders of `resource` other than `key`.
    func otherHolders(_ resource: ResourceName, except node: NodeID, _ lockID: LockID) -> Int {
        tracked.filter {
            $0.value.resource == resource && ($0.value.believed ?? .nl) != .nl && $0.key != Key(node: node, lockID: lockID)
        }.count
    }

    /// At quiescence: every request has completed and every unlock has been answered.
    mutating func checkQuiescent() {
        for (key, lock) in tracked.sorted(by: { ($0.key.node, $0.key.lockID) < ($1.key.node, $1.key.lockID) }) {
            if lock.requestPending { fail("request on \(key.node)/\(key.lockID) never completed") }
            if lock.released { fail("unlock of \(key.node)/\(key.lockID) never completed") }
        }
    }
}
