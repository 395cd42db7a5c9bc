// dlmd — DLMEngine: lock ids, lowest free id first (spec §2.7, edge case 56).

import DLMCore

/// Hands out lock ids ≥ 1, always the lowest id not in use. Freed ids go to a binary min-heap;
/// fresh ids come from a counter, so allocation and release are O(log freed). Also the node layer's
/// id space (`DLMNode`), so releasing 10^5 ids in a row stays linear-logarithmic.
public struct LockIDAllocator: Sendable {
    /// Next never-used id.
    public private(set) var nextFresh: LockID = 1
    /// Freed ids (all < nextFresh), as a min-heap.
    private var freed: [LockID] = []

    /// An allocator with no id handed out.
    public init() {}

    /// Ids currently handed out.
    public var inUseCount: Int { Int(nextFresh - 1) - freed.count }

    /// The lowest id not in use.
    public mutating func allocate() -> LockID {
        if freed.isEmpty {
            let id = nextFresh
            nextFresh += 1
            return id
        }
        return popMin()
    }

    /// Returns `id` (handed out and not yet released) to the free ids.
    public mutating func release(_ id: LockID) {
        invariant(id >= 1 && id < nextFresh, "released lock id was never allocated", dump: "id \(id)")
        if id == nextFresh - 1 && freed.isEmpty {
            nextFresh -= 1
            return
        }
        freed.append(id)
        siftUp(freed.count - 1)
    }

    /// The ids on the free heap (for invariant checks).
    var freedIDs: Set<LockID> { Set(freed) }

    private mutating func popMin() -> LockID {
        let top = freed[0]
        let last = freed.removeLast()
        if !freed.isEmpty {
            freed[0] = last
            siftDown(0)
        }
        return top
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard freed[child] < freed[parent] else { return }
            freed.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < freed.count else { return }
            var smallest = left
            if left + 1 < freed.count && freed[left + 1] < freed[left] { smallest = left + 1 }
            guard freed[smallest] < freed[parent] else { return }
            freed.swapAt(smallest, parent)
            parent = smallest
        }
    }
}
