// dlmd — DLMNode: who masters a resource (directory, cache, NODIR hash), lookup lists, inactive
// resources and their toss time, REMOVE (spec §8).

import DLMCore
import DLMDirectory
import DLMEngine
import DLMWire

/// A resource this node masters in directory mode; `inactiveSince` is set while it has no locks.
struct MasteredResource: Sendable, Equatable {
    var inactiveSince: MonotonicInstant?
}

/// What the holder side knows about a resource's master.
enum MasterView: Equatable {
    case local
    case remote(NodeID, uncertain: Bool)
    case unknown
}

extension NodeLockspace {
    /// The master of `name` as far as this node knows; on the directory node the directory decides
    /// (a first use makes this node master).
    mutating func masterView(_ name: ResourceName) -> MasterView {
        if configuration.noDirectory {
            let master = map.staticMaster(for: name)
            return master == node ? .local : .remote(master, uncertain: false)
        }
        if mastered[name] != nil { return .local }
        if map.directoryNode(for: name) == node {
            let master = directory.lookup(name, asker: node).master
            if master == node {
                becomeMaster(name)
                return .local
            }
            masterCache.record(name, master: master)
            return .remote(master, uncertain: false)
        }
        if let entry = masterCache.markActive(name) { return .remote(entry.master, uncertain: entry.uncertain) }
        return .unknown
    }

    mutating func becomeMaster(_ name: ResourceName) {
        if mastered[name] == nil { mastered[name] = MasteredResource(inactiveSince: nil) }
        masterCache.forget(name)
    }

    /// Whether a REQUEST (or LOOKUP-as-request) from `sender` may be mastered here; nil = yes, else
    /// the error result for the reply (EBADR: not master and not dir node; ENOTBLK: the directory
    /// here names another master).
    mutating func refuseMastery(_ name: ResourceName, from sender: NodeID) -> Int32? {
        if configuration.noDirectory {
            return map.staticMaster(for: name) == node ? nil : -DLMErrno.EBADR.rawValue
        }
        if mastered[name] != nil { return nil }
        let directoryNode = map.directoryNode(for: name)
        if directoryNode == node {
            guard directory.lookup(name, asker: node).master == node else { return -DLMErrno.ENOTBLK.rawValue }
            becomeMaster(name)
            return nil
        }
        // A request from the directory node for a resource freed here: recreate it (edge case 53).
        guard sender == directoryNode else { return -DLMErrno.EBADR.rawValue }
        becomeMaster(name)
        return nil
    }

    /// Marks a mastered resource active or inactive after its locks changed.
    mutating func touchMastered(_ name: ResourceName, now: MonotonicInstant) {
        guard var entry = mastered[name] else { return }
        let active = engine.hasResource(name)
        if active {
            entry.inactiveSince = nil
        } else if entry.inactiveSince == nil {
            entry.inactiveSince = now
            tossQueue.append((name, now))
        }
        mastered[name] = entry
    }

    /// Re-marks every mastered resource (after calls that touch many resources).
    mutating func touchAllMastered(now: MonotonicInstant) {
        for name in mastered.keys.sorted() { touchMastered(name, now: now) }
    }

    /// Frees mastered resources inactive for the toss time (REMOVE to the directory node, or
    /// forgetting the record when this node is the directory node) and expires cached masters.
    mutating func expireInactive(now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        var due: [ResourceName] = []
        while tossQueueHead < tossQueue.count {
            let (name, since) = tossQueue[tossQueueHead]
            guard now.duration(since: since) >= configuration.tossDuration else { break }
            tossQueueHead += 1
            if let entry = mastered[name], entry.inactiveSince == since { due.append(name) }
        }
        if tossQueueHead > 64, tossQueueHead * 2 > tossQueue.count {
            tossQueue.removeFirst(tossQueueHead)
            tossQueueHead = 0
        }
        for name in due {
            mastered[name] = nil
            let directoryNode = map.directoryNode(for: name)
            if directoryNode == node {
                directory.forget(name)
                continue
            }
            var message = LockMessage(name: name)
            message.hash = NameHash.hash(name)
            message.node = node
            send(.remove(message), to: directoryNode, &directives)
        }
        _ = masterCache.expire(now: now)
    }

    /// Earliest instant at which `onTick` has work.
    var nextDeadline: MonotonicInstant? {
        // The head may be stale (reactivated or freed); an early tick is harmless and pops it.
        let toss = tossQueueHead < tossQueue.count
            ? tossQueue[tossQueueHead].since.advanced(by: configuration.tossDuration) : nil
        return [toss, masterCache.nextExpiry, engine.nextTimeoutDeadline].compactMap { $0 }.min()
    }

    // MARK: - Directory node side

    /// LOOKUP from `sender`: the first asker becomes master; when this node masters the resource,
    /// the LOOKUP is handled as a REQUEST and answered with REQUEST_REPLY (spec §8.2).
    mutating func onLookup(_ message: LockMessage, from sender: NodeID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard !configuration.noDirectory, map.directoryNode(for: message.name) == node else { return }
        let master = directory.lookup(message.name, asker: sender).master
        if master == node {
            becomeMaster(message.name)
            onRequest(message, from: sender, checkMastery: false, now: now, &directives)
            return
        }
        var reply = LockMessage(name: Self.emptyName)
        reply.node = master
        reply.remoteID = message.lockID
        reply.hash = message.hash
        send(.lookupReply(reply), to: sender, &directives)
    }

    /// REMOVE from a master that freed an inactive resource; ignored while the name is in use here.
    mutating func onRemove(_ message: LockMessage, from sender: NodeID) {
        guard !configuration.noDirectory, map.directoryNode(for: message.name) == node else { return }
        let holders = holderResources
        _ = directory.remove(message.name, from: sender) { holders[$0] != nil }
    }

    // MARK: - Holder side: resolving the master of new locks

    /// Sends or submits a new lock whose record exists, or parks it on the lookup list.
    mutating func submitNew(_ id: LockID, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard let lock = locks[id] else { return }
        var resource = holderResources[lock.name] ?? HolderResource()
        if let carrier = resource.carrier, carrier != id {
            if !resource.waiting.contains(id) { resource.waiting.append(id) }
            holderResources[lock.name] = resource
            locks[id]?.place = .awaitingMaster
            return
        }
        switch masterView(lock.name) {
        case .local:
            submitLocalDeferred(id, now: now, &directives)
        case .remote(let master, let uncertain):
            if uncertain { resource.carrier = id }
            holderResources[lock.name] = resource
            sendRequest(id, to: master, &directives)
        case .unknown:
            resource.carrier = id
            holderResources[lock.name] = resource
            locks[id]?.place = .awaitingMaster
            locks[id]?.inFlight.insert(.request)
            var message = requestMessage(locks[id]!)
            message.hash = NameHash.hash(lock.name)
            send(.lookup(message), to: map.directoryNode(for: lock.name), &directives)
        }
    }

    /// Submits every lock on `name`'s lookup list once its master is known.
    mutating func releaseWaiting(_ name: ResourceName, now: MonotonicInstant, _ directives: inout [NodeDirective]) {
        guard var resource = holderResources[name], resource.carrier == nil, !resource.waiting.isEmpty else { return }
        let waiting = resource.waiting
        resource.waiting = []
        holderResources[name] = resource
        for id in waiting { submitNew(id, now: now, &directives) }
    }

    func requestMessage(_ lock: HolderLock) -> LockMessage {
        var message = LockMessage(name: lock.name)
        message.node = node
        message.pid = lock.owner.pid
        message.lockID = lock.id
        message.exflags = lock.request.flags.rawValue
        message.requestedMode = lock.request.mode
        message.asts = lock.request.wantsBlockingCallbacks ? 3 : 1
        message.hash = NameHash.hash(lock.name)
        if lock.request.flags.contains(.timeout) { message.timeoutCentiseconds = lock.request.timeoutCentiseconds }
        return message
    }

    mutating func sendRequest(_ id: LockID, to master: NodeID, _ directives: inout [NodeDirective]) {
        guard let lock = locks[id] else { return }
        locks[id]?.place = .remote(master: master, remoteID: 0)
        locks[id]?.inFlight.insert(.request)
        send(.request(requestMessage(lock)), to: master, &directives)
    }
}
