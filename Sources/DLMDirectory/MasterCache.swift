// dlmd — DLMDirectory: what a node remembers about who masters the resources it uses (spec §8.2).

import DLMCore

/// The master cache of a node that is not the master: name → master, with the inactive ("toss")
/// timestamp the kernel keeps on unused resources.
///
///     (none) --record--> active(certain)
///     active --markInactive(now)--> inactive(since now)
///     inactive --markActive--> active(uncertain)    (first request goes to the cached master alone)
///     active(uncertain) --confirm--> active(certain)
///     inactive --expire(now ≥ since + toss)--> (none)
///     any --forget / forgetMaster(departed)--> (none)
public struct MasterCache: Sendable {
    /// One cached master.
    public struct Entry: Sendable, Hashable {
        /// The cached master.
        public var master: NodeID
        /// When the last local lock on the resource went away; `nil` while in use.
        public var inactiveSince: MonotonicInstant?
        /// Set when an inactive entry was reused: the master must confirm before more requests follow.
        public var uncertain: Bool
    }

    private var entries: [ResourceName: Entry] = [:]
    /// Names in the order they became inactive (nondecreasing instants, one toss duration), so the
    /// earliest expiry is at the head; entries reused or forgotten since are stale and skipped.
    private var inactiveOrder: [(name: ResourceName, since: MonotonicInstant)] = []
    private var inactiveOrderHead = 0
    /// How long an inactive entry is kept.
    public let tossDuration: Duration

    /// An empty cache.
    /// - Parameter tossDuration: how long inactive entries live (default `Limits.resourceTossDuration`).
    public init(tossDuration: Duration = Limits.resourceTossDuration) {
        self.tossDuration = tossDuration
    }

    /// Number of entries.
    public var count: Int { entries.count }

    /// The entry for `name`, if cached.
    public func entry(for name: ResourceName) -> Entry? { entries[name] }

    /// Records a master learnt from a LOOKUP reply or a REQUEST reply; the entry is active and certain.
    public mutating func record(_ name: ResourceName, master: NodeID) {
        entries[name] = Entry(master: master, inactiveSince: nil, uncertain: false)
    }

    /// The last local lock went away at `now`.
    public mutating func markInactive(_ name: ResourceName, now: MonotonicInstant) {
        guard entries[name] != nil else { return }
        entries[name]?.inactiveSince = now
        inactiveOrder.append((name, now))
    }

    /// A new local lock uses the resource again. An inactive entry becomes active but uncertain.
    /// - Returns: the entry after the change, or `nil` when nothing is cached (a LOOKUP is needed).
    @discardableResult
    public mutating func markActive(_ name: ResourceName) -> Entry? {
        guard var entry = entries[name] else { return nil }
        if entry.inactiveSince != nil {
            entry.inactiveSince = nil
            entry.uncertain = true
        }
        entries[name] = entry
        return entry
    }

    /// The cached master answered a request for the resource: it is certain again.
    public mutating func confirm(_ name: ResourceName) {
        entries[name]?.uncertain = false
    }

    /// The cached master answered EBADR/ENOTBLK: forget it so the next request looks up afresh.
    public mutating func forget(_ name: ResourceName) {
        entries[name] = nil
    }

    /// Drops every entry whose master is `node` (it left the lockspace).
    /// - Returns: the names dropped, sorted.
    public mutating func forgetMaster(_ node: NodeID) -> [ResourceName] {
        let dropped = entries.filter { $0.value.master == node }.keys.sorted()
        for name in dropped { entries[name] = nil }
        return dropped
    }

    /// Removes the inactive entries whose toss time has passed.
    /// - Parameter now: the current instant.
    /// - Returns: the names removed, sorted.
    public mutating func expire(now: MonotonicInstant) -> [ResourceName] {
        var expired: [ResourceName] = []
        while inactiveOrderHead < inactiveOrder.count {
            let (name, since) = inactiveOrder[inactiveOrderHead]
            guard now.duration(since: since) >= tossDuration else { break }
            inactiveOrderHead += 1
            if entries[name]?.inactiveSince == since {
                entries[name] = nil
                expired.append(name)
            }
        }
        if inactiveOrderHead > 64, inactiveOrderHead * 2 > inactiveOrder.count {
            inactiveOrder.removeFirst(inactiveOrderHead)
            inactiveOrderHead = 0
        }
        return expired.sorted()
    }

    /// The earliest instant at which `expire` may remove something, for arming a timer. O(1): it may
    /// name the deadline of an entry that was reused or forgotten since (an early, harmless tick).
    public var nextExpiry: MonotonicInstant? {
        inactiveOrderHead < inactiveOrder.count
            ? inactiveOrder[inactiveOrderHead].since.advanced(by: tossDuration) : nil
    }
}
