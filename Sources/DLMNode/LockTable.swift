// dlmd — DLMNode: the node's client locks by lock id, stored densely (a Dictionary's subset of API).

import DLMCore
import DLMEngine

/// Values keyed by lock id, in an array indexed by `id - 1`.
///
/// The node's ids come from `LockIDAllocator` (lowest free id first), so the live ids stay packed
/// near `1...count` and an array wastes little, where a `Dictionary` keeps its load ≤ 3/4 and
/// doubles: at 10^5 locks it holds 2.6 buckets per lock, about 370 bytes per `HolderLock` against
/// about 180 here. Offers the part of `Dictionary`'s API the node uses: an optional subscript (with
/// in-place modification), `removeValue(forKey:)`, `count`, `keys` and `values` (ascending id
/// order, snapshots like a Dictionary's) and iteration over `(key, value)` pairs.
struct LockTable<Value: Sendable>: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    private var slots: [Value?] = []
    /// Live entries.
    private(set) var count = 0

    /// An empty table.
    init() {}

    /// A table of the given pairs (`[:]` for an empty one).
    init(dictionaryLiteral elements: (LockID, Value)...) {
        for (id, value) in elements { self[id] = value }
    }

    /// Whether the table holds no value.
    var isEmpty: Bool { count == 0 }

    /// The value of `id`, or `nil`; assigning `nil` removes it. Ids must be ≥ 1 to be stored (a
    /// lookup of any other id finds nothing).
    subscript(id: LockID) -> Value? {
        get {
            let index = Int(id) - 1
            return index >= 0 && index < slots.count ? slots[index] : nil
        }
        set { store(newValue, at: id) }
        _modify {
            let index = Int(id) - 1
            guard index >= 0 && index < slots.count else {
                // Not stored: nothing to modify in place (optional chaining on nil then does nothing).
                var value: Value? = nil
                yield &value
                if value != nil { store(value, at: id) }
                return
            }
            var value = slots[index].take()
            let had = value != nil
            defer {
                slots[index] = value
                if had && value == nil {
                    // Put back, then remove through `store` so the count and the trailing trim agree.
                    slots[index] = nil
                    count -= 1
                    while !slots.isEmpty && slots[slots.count - 1] == nil { slots.removeLast() }
                } else if !had && value != nil {
                    count += 1
                }
            }
            yield &value
        }
    }

    /// Removes and returns the value of `id`.
    @discardableResult
    mutating func removeValue(forKey id: LockID) -> Value? {
        let value = self[id]
        if value != nil { self[id] = nil }
        return value
    }

    /// The ids with a value, ascending.
    var keys: [LockID] {
        var ids: [LockID] = []
        ids.reserveCapacity(count)
        for (index, slot) in slots.enumerated() where slot != nil { ids.append(LockID(index + 1)) }
        return ids
    }

    /// The values, in ascending id order.
    var values: some Sequence<Value> { slots.lazy.compactMap { $0 } }

    /// Iterates `(key, value)` pairs in ascending id order.
    func makeIterator() -> Iterator { Iterator(slots: slots) }

    /// The iterator over `(key, value)` pairs.
    struct Iterator: IteratorProtocol {
        fileprivate let slots: [Value?]
        fileprivate var index = 0

        mutating func next() -> (key: LockID, value: Value)? {
            while index < slots.count {
                defer { index += 1 }
                if let value = slots[index] { return (LockID(index + 1), value) }
            }
            return nil
        }
    }

    private mutating func store(_ value: Value?, at id: LockID) {
        let index = Int(id) - 1
        guard let value else {
            guard index >= 0, index < slots.count, slots[index] != nil else { return }
            slots[index] = nil
            count -= 1
            // Trailing free ids leave the array, so a table that emptied does not keep its length.
            while !slots.isEmpty && slots[slots.count - 1] == nil { slots.removeLast() }
            return
        }
        invariant(index >= 0, "lock id 0 stored in the lock table")
        if index >= slots.count {
            slots.append(contentsOf: repeatElement(nil, count: index - slots.count + 1))
        }
        if slots[index] == nil { count += 1 }
        slots[index] = value
    }
}
