// dlmd — DLMEngine: the state checks run after every step in tests and the simulator.

import DLMCore

extension LockEngine {
    /// Crashes with a state dump (`DLMCore.invariant`) if any invariant is broken: every lock on
    /// exactly one queue of its resource with modes matching that queue; granted modes pairwise
    /// compatible (converting locks count with their granted mode); no empty resource; the id,
    /// handle and deadline indexes consistent with the lock table. O(locks); meant for tests.
    public func checkInvariants() {
        var seen = Set<LockID>()
        for (name, slot) in resources.index {
            guard let resource = resources[slot] else {
                invariant(false, "name index points at a free slot", dump: "\(name)")
                continue
            }
            invariant(resource.name == name, "name index points at another resource", dump: dump(name))
            invariant(!resource.isEmpty, "empty resource kept", dump: dump(name))
            checkQueue(resource.granted, .granted, name, &seen)
            checkQueue(resource.converting, .converting, name, &seen)
            checkQueue(resource.waiting, .waiting, name, &seen)
            checkCompatibility(resource, name)
        }
        invariant(resources.occupiedCount == resources.count, "occupied slots differ from named resources", dump: "")
        invariant(seen.count == allocator.inUseCount, "lock table and queues disagree", dump: "queued \(seen.count) allocated \(allocator.inUseCount)")
        var indexed = 0
        for (handle, ids) in locksByHandle {
            invariant(!ids.isEmpty, "empty handle entry", dump: "handle \(handle)")
            for id in ids {
                invariant(lock(id)?.owner.handle == handle, "handle index points at a foreign lock", dump: "handle \(handle) id \(id)")
            }
            indexed += ids.count
        }
        invariant(indexed == seen.count, "handle index size differs from lock count", dump: "\(indexed) vs \(seen.count)")
        for (id, deadline) in deadlines {
            let lock = lock(id)
            invariant(lock != nil && lock!.queue != .granted && lock!.deadline == deadline, "stale timeout", dump: "id \(id)")
        }
        let freed = allocator.freedIDs
        for (index, slot) in locks.enumerated() {
            let id = LockID(index + 1)
            let isFree = id >= allocator.nextFresh || freed.contains(id)
            guard let lock = slot else {
                invariant(isFree, "free slot not free in allocator", dump: "id \(id)")
                continue
            }
            invariant(lock.id == id, "lock stored under another id", dump: "slot \(id) id \(lock.id)")
            invariant(!isFree, "live lock id is on the free list", dump: "id \(id)")
            invariant(seen.contains(lock.id), "lock on no queue", dump: "id \(lock.id)")
            invariant(!lock.isOrphan || lock.queue == .granted, "orphan with a pending request", dump: "id \(lock.id)")
        }
    }

    private func checkQueue(_ ids: some Sequence<LockID>, _ queue: LockQueue, _ name: ResourceName, _ seen: inout Set<LockID>) {
        for id in ids {
            invariant(seen.insert(id).inserted, "lock on two queues", dump: dump(name))
            guard let lock = lock(id) else {
                invariant(false, "queue holds a freed lock id", dump: dump(name))
                return
            }
            invariant(lock.queue == queue && resources.index[name] == lock.slot, "lock's queue field is wrong", dump: dump(name))
            switch queue {
            case .granted:
                invariant(lock.granted != nil && lock.requested == nil, "granted lock with a request", dump: dump(name))
            case .converting:
                invariant(lock.granted != nil && lock.requested != nil, "converting lock without modes", dump: dump(name))
            case .waiting:
                invariant(lock.granted == nil && lock.requested != nil, "waiting lock with a granted mode", dump: dump(name))
            }
        }
    }

    /// Granted modes (of grant- and convert-queue locks) pairwise compatible, via per-mode counts.
    private func checkCompatibility(_ resource: Resource, _ name: ResourceName) {
        var counts = [Int](repeating: 0, count: LockMode.allCases.count)
        for id in Array(resource.granted) + resource.converting {
            if let mode = lock(id)?.granted { counts[Int(mode.rawValue)] += 1 }
        }
        for a in LockMode.allCases where counts[Int(a.rawValue)] > 0 {
            for b in LockMode.allCases where counts[Int(b.rawValue)] > 0 {
                let pair = a == b ? counts[Int(a.rawValue)] >= 2 : true
                invariant(!pair || a.isCompatible(with: b), "incompatible modes granted together", dump: dump(name))
            }
        }
    }

    /// A one-resource state dump for invariant failures.
    func dump(_ name: ResourceName) -> String {
        guard let resource = resources[name] else { return "resource \(name): none" }
        func describe(_ ids: some Sequence<LockID>) -> String {
            ids.map { id in
                guard let lock = lock(id) else { return "\(id):missing" }
                let held = lock.granted.map(\.description) ?? "IV"
                let wanted = lock.requested.map { ">\($0)" } ?? ""
                return "\(id):\(held)\(wanted)[\(lock.owner)]"
            }.joined(separator: " ")
        }
        return "resource \(name): granted(newest last) \(describe(resource.granted)) | convert \(describe(resource.converting)) | wait \(describe(resource.waiting)) | lvbseq \(resource.valueBlockSequence) invalid \(resource.valueBlockInvalid)"
    }
}
