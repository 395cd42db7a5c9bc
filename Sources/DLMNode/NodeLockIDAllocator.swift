// dlmd — DLMNode: the node's lock ids (`sb_lkid`), one space for locally and remotely mastered locks.

import DLMCore

/// Hands out ids ≥ 1, lowest free id first (spec §2.7), like the engine's allocator.
struct NodeLockIDAllocator: Sendable {
    private(set) var nextFresh: LockID = 1
    /// Freed ids below `nextFresh`, kept sorted descending so the lowest is last.
    private var freed: [LockID] = []

    var inUseCount: Int { Int(nextFresh - 1) - freed.count }

    mutating func allocate() -> LockID {
        if let lowest = freed.popLast() { return lowest }
        defer { nextFresh += 1 }
        return nextFresh
    }

    mutating func release(_ id: LockID) {
        invariant(id >= 1 && id < nextFresh && !freed.contains(id), "node lock id released twice", dump: "id \(id)")
        if id == nextFresh - 1 {
            nextFresh -= 1
            while let last = freed.first, last == nextFresh - 1 {
                freed.removeFirst()
                nextFresh -= 1
            }
            return
        }
        let index = freed.firstIndex { $0 < id } ?? freed.count
        freed.insert(id, at: index)
    }
}
