// dlmd — DLMNode: consistency checks of one lockspace on one node (tests and the simulator).

import DLMCore
import DLMEngine

extension NodeLockspace {
    /// Crashes with a dump when the node's tables disagree: the engine's own invariants; every
    /// local-place lock mapped both ways and present in the engine; master copies present; lookup
    /// lists and counts matching the lock table; no mastered name held by the cache.
    func checkInvariants() {
        engine.checkInvariants()
        invariant(allocator.inUseCount == locks.count + reservedIDs.count, "node lock ids and lock table disagree",
                  dump: "ids \(allocator.inUseCount) locks \(locks.count) reserved \(reservedIDs.count)")
        invariant(phase != .running || deferredCalls.isEmpty && reservedIDs.isEmpty, "queued calls while running",
                  dump: "\(deferredCalls.count) calls phase \(phase)")
        var counts: [ResourceName: Int] = [:]
        for (id, lock) in locks {
            counts[lock.name, default: 0] += 1
            if case .local(let engineID) = lock.place {
                invariant(localByEngineID[engineID] == id, "local lock not indexed by engine id", dump: "id \(id)")
                invariant(engine.lockSnapshot(engineID) != nil, "local lock missing in the engine", dump: "id \(id) engine \(engineID)")
            }
            if lock.place == .awaitingMaster {
                let resource = holderResources[lock.name]
                invariant(resource?.carrier == id || resource?.waiting.contains(id) == true || lock.inFlight.contains(.request)
                          || resendNew.contains(id),
                          "lock awaits a master but is on no lookup list", dump: "id \(id) \(lock.name)")
            }
        }
        for (name, resource) in holderResources {
            invariant(counts[name] == resource.lockCount, "resource lock count is wrong",
                      dump: "\(name) count \(resource.lockCount) actual \(counts[name] ?? 0)")
        }
        invariant(counts.count == holderResources.count, "holder resources and locks disagree", dump: "\(counts.count)")
        for (engineID, local) in localByEngineID {
            invariant(locks[local]?.place == .local(engineID: engineID), "stale engine mapping", dump: "engine \(engineID)")
        }
        for (engineID, holder) in remoteByEngineID {
            invariant(engine.lockSnapshot(engineID)?.owner.node == holder.node, "master copy missing",
                      dump: "engine \(engineID) holder \(holder)")
        }
        for name in mastered.keys {
            invariant(masterCache.entry(for: name) == nil, "mastered name also cached", dump: "\(name)")
        }
    }
}
