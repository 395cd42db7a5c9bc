// dlmd — DLMDirectory: the directory table a directory node keeps (name → master); spec §8.2, §10.2.

import DLMCore

/// The records of the resources whose directory node is this node: which node masters each name.
///
/// Transitions of one record:
///
///     (none) --lookup(asker)--> master = asker      (the first asker becomes master)
///     master --lookup(other)--> unchanged           (answer: the recorded master)
///     master --remove(from master, not active here)--> (none)
///     (all)  --rebuild(entries)--> replaced from the NAMES the members report during recovery
///
/// Not `Sendable`-sensitive: a plain value owned by one lockspace's serial executor.
public struct ResourceDirectory: Sendable {
    /// Result of a lookup.
    public enum LookupOutcome: Sendable, Hashable {
        /// No record existed; the asker is now recorded as master.
        case created(master: NodeID)
        /// A record existed; this is its master.
        case existing(master: NodeID)

        /// The master either way.
        public var master: NodeID {
            switch self {
            case .created(let master), .existing(let master): return master
            }
        }
    }

    /// Result of a REMOVE.
    public enum RemoveOutcome: Sendable, Hashable {
        /// The record was deleted.
        case removed
        /// No record for the name.
        case notFound
        /// The record names another master than the sender; kept.
        case ignoredNotMaster(recorded: NodeID)
        /// The resource is active on this node (a REMOVE raced a new use); kept.
        case ignoredActiveLocally
    }

    /// What a rebuild found.
    public struct RebuildReport: Sendable, Hashable {
        /// Records added.
        public var added = 0
        /// Names reported twice by the same master (harmless; kept once).
        public var duplicates = 0
        /// Names claimed by two different masters; the first claim is kept.
        public var conflicts: [ResourceName] = []
    }

    private var records: [ResourceName: NodeID] = [:]

    /// An empty directory.
    public init() {}

    /// Number of records.
    public var count: Int { records.count }

    /// The recorded master of `name`, if any.
    public func master(of name: ResourceName) -> NodeID? { records[name] }

    /// Answers a LOOKUP (or a local first use on the directory node): the first asker becomes master.
    /// - Parameters:
    ///   - name: the resource name.
    ///   - asker: the node asking (this node for a local use).
    /// - Returns: whether a record was created, and the master.
    public mutating func lookup(_ name: ResourceName, asker: NodeID) -> LookupOutcome {
        if let master = records[name] { return .existing(master: master) }
        records[name] = asker
        return .created(master: asker)
    }

    /// Handles a REMOVE from the master that freed an inactive resource.
    /// - Parameters:
    ///   - name: the resource name.
    ///   - sender: the node that sent REMOVE.
    ///   - isActiveLocally: the hook telling whether the resource is in use on this node right now.
    /// - Returns: what was done.
    public mutating func remove(
        _ name: ResourceName,
        from sender: NodeID,
        isActiveLocally: (ResourceName) -> Bool
    ) -> RemoveOutcome {
        guard let master = records[name] else { return .notFound }
        guard master == sender else { return .ignoredNotMaster(recorded: master) }
        if isActiveLocally(name) { return .ignoredActiveLocally }
        records[name] = nil
        return .removed
    }

    /// Deletes a record unconditionally (this node, as master and directory node, freed the resource).
    public mutating func forget(_ name: ResourceName) {
        records[name] = nil
    }

    /// Replaces every record with the (name, master) pairs the members reported during recovery.
    /// - Parameters:
    ///   - entries: the NAMES replies, flattened: each name with the node that masters it.
    ///   - keep: which names this node is the directory node of (others are skipped).
    /// - Returns: counts of what was added, duplicated and in conflict.
    public mutating func rebuild(
        from entries: [(name: ResourceName, master: NodeID)],
        keep: (ResourceName) -> Bool = { _ in true }
    ) -> RebuildReport {
        records.removeAll(keepingCapacity: true)
        var report = RebuildReport()
        for entry in entries where keep(entry.name) {
            if let existing = records[entry.name] {
                if existing == entry.master {
                    report.duplicates += 1
                } else {
                    report.conflicts.append(entry.name)
                }
                continue
            }
            records[entry.name] = entry.master
            report.added += 1
        }
        return report
    }

    /// The names a node sends in its NAMES reply: those it masters whose directory node is `asker`,
    /// sorted, starting after `lastName` (empty = from the start), at most `limit` of them.
    /// - Parameters:
    ///   - mastered: names of the resources the replying node masters.
    ///   - asker: the node that asked.
    ///   - map: the new directory map.
    ///   - lastName: the last name the asker already received, or `nil` for the first request.
    ///   - limit: how many names fit in one reply.
    /// - Returns: the names and whether the list is complete.
    public static func namesReply(
        mastered: [ResourceName],
        for asker: NodeID,
        map: DirectoryMap,
        after lastName: ResourceName?,
        limit: Int
    ) -> (names: [ResourceName], complete: Bool) {
        invariant(limit > 0, "names reply limit must be positive", dump: "limit \(limit)")
        let candidates = mastered.filter { name in
            map.directoryNode(for: name) == asker && (lastName.map { $0 < name } ?? true)
        }.sorted()
        if candidates.count <= limit { return (candidates, true) }
        return (Array(candidates.prefix(limit)), false)
    }

    /// All records, sorted by name (for dumps and tests).
    public var snapshot: [(name: ResourceName, master: NodeID)] {
        records.sorted { $0.key < $1.key }.map { (name: $0.key, master: $0.value) }
    }
}
