// dlmd — DLMEngine: resources by slot number, so locks reach theirs without hashing the name.

import DLMCore

/// The resources of one engine. Each lock records its resource's slot; only a new request (name →
/// slot) and the freeing of an empty resource touch the name index. Slots of freed resources are
/// reused (lowest first is not needed: any free slot will do).
struct ResourceTable: Sendable {
    private var slots: [Resource?] = []
    private var freeSlots: [Int32] = []
    /// Name → slot of every live resource.
    private(set) var index: [ResourceName: Int32] = [:]

    /// Number of live resources.
    var count: Int { index.count }

    /// The resource in `slot` (nil when the slot is free); modifiable in place.
    subscript(slot: Int32) -> Resource? {
        get { slots[Int(slot)] }
        _modify { yield &slots[Int(slot)] }
    }

    /// The resource called `name`, if it has locks.
    subscript(name: ResourceName) -> Resource? {
        guard let slot = index[name] else { return nil }
        return slots[Int(slot)]
    }

    /// The slot of `name`, creating an empty resource when there is none.
    mutating func slotCreating(_ name: ResourceName) -> Int32 {
        if let slot = index[name] { return slot }
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[Int(slot)] = Resource(name: name)
        } else {
            slot = Int32(slots.count)
            slots.append(Resource(name: name))
        }
        index[name] = slot
        return slot
    }

    /// Frees the resource in `slot` (it must be empty).
    mutating func free(_ slot: Int32) {
        guard let resource = slots[Int(slot)] else { return }
        invariant(resource.isEmpty, "freeing a resource that still has locks", dump: "\(resource.name)")
        slots[Int(slot)] = nil
        index[resource.name] = nil
        freeSlots.append(slot)
    }

    /// Number of occupied slots (for invariant checks).
    var occupiedCount: Int { slots.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
}
