// dlmd — DLMEngine: a resource's grant queue, with its oldest holder stored inline.

import DLMCore

/// Lock ids in grant order (oldest first), the first one kept inline: most resources have exactly
/// one holder, and a `[LockID]` would cost each of them its own heap block (~48 bytes with malloc's
/// rounding). Later holders go to an array. Lock ids are ≥ 1, so 0 marks the empty queue.
struct GrantQueue: RandomAccessCollection, Sendable, Equatable {
    private var oldest: LockID = 0
    private var others: [LockID] = []

    /// An empty queue.
    init() {}

    var startIndex: Int { 0 }

    var endIndex: Int { oldest == 0 ? 0 : 1 + others.count }

    subscript(position: Int) -> LockID {
        invariant(position >= 0 && position < endIndex, "grant queue index out of range", dump: "\(position)")
        return position == 0 ? oldest : others[position - 1]
    }

    /// Appends `id` as the newest grant.
    mutating func append(_ id: LockID) {
        invariant(id != 0, "lock id 0 on a grant queue")
        if oldest == 0 { oldest = id } else { others.append(id) }
    }

    /// Removes `id`, keeping the order of the rest; returns whether it was there.
    mutating func remove(_ id: LockID) -> Bool {
        // Most removals hit the newest grant or the only one.
        if let newest = others.last, newest == id {
            others.removeLast()
            return true
        }
        if oldest == id {
            oldest = others.isEmpty ? 0 : others.removeFirst()
            return true
        }
        guard let index = others.firstIndex(of: id) else { return false }
        others.remove(at: index)
        return true
    }
}
