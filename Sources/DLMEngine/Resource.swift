// dlmd — DLMEngine: one resource (the kernel's rsb) on its master: three queues and the LVB.

import DLMCore

/// The master's record of one resource. Queues hold lock ids in queue order, head first, except
/// `granted`, which is kept oldest first: the kernel effectively inserts new grants at the head
/// (spec §2.1 quirk), so code that needs the kernel's order walks `granted` backwards
/// (`grantedHeadFirst`). Only the order of basts depends on it.
struct Resource: Sendable {
    let name: ResourceName
    var granted = GrantQueue()
    var converting: [LockID] = []
    var waiting: [LockID] = []
    /// The authoritative LVB; nil until first written, discarded with the resource (spec §6).
    var valueBlock: ValueBlock?
    var valueBlockSequence: UInt32 = 0
    /// `RSB_VALNOTVALID`.
    var valueBlockInvalid = false

    init(name: ResourceName) {
        self.name = name
    }

    var isEmpty: Bool { granted.isEmpty && converting.isEmpty && waiting.isEmpty }

    var lockCount: Int { granted.count + converting.count + waiting.count }

    /// The grant queue in the kernel's order (most recently granted first).
    var grantedHeadFirst: ReversedCollection<GrantQueue> { granted.reversed() }

    /// Removes `id` from `queue`; returns whether it was there.
    @discardableResult
    mutating func remove(_ id: LockID, from queue: LockQueue) -> Bool {
        switch queue {
        case .granted: return granted.remove(id)
        case .converting: return Resource.remove(id, in: &converting)
        case .waiting: return Resource.remove(id, in: &waiting)
        }
    }

    /// Appends `id` to `queue` (at the head of the convert/wait queue when `atHead`).
    mutating func insert(_ id: LockID, into queue: LockQueue, atHead: Bool) {
        switch queue {
        case .granted: granted.append(id)
        case .converting: if atHead { converting.insert(id, at: 0) } else { converting.append(id) }
        case .waiting: if atHead { waiting.insert(id, at: 0) } else { waiting.append(id) }
        }
    }

    private static func remove(_ id: LockID, in list: inout [LockID]) -> Bool {
        // Most removals hit the tail (the newest grant) or the head (FIFO queues).
        if list.last == id { list.removeLast(); return true }
        guard let index = list.firstIndex(of: id) else { return false }
        list.remove(at: index)
        return true
    }
}
