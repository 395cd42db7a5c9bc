// dlmd — DLMNode: one client lock as its owner's node sees it (the process copy of the kernel).

import DLMCore
import DLMEngine

/// Which replies a holder waits for from the master (spec §5.4 overlaps allow more than one).
struct InFlight: OptionSet, Sendable, Hashable {
    let rawValue: UInt8
    /// A LOOKUP or REQUEST for a new lock.
    static let request = InFlight(rawValue: 1)
    static let convert = InFlight(rawValue: 2)
    static let unlock = InFlight(rawValue: 4)
    static let cancel = InFlight(rawValue: 8)
}

/// Where a lock lives.
enum LockPlace: Sendable, Equatable {
    /// On a lookup list: its master is not known yet; nothing was sent for it.
    case awaitingMaster
    /// Mastered here: the engine holds it under `engineID`.
    case local(engineID: LockID)
    /// Mastered by `master`; `remoteID` is the master copy's id (0 until the request reply).
    case remote(master: NodeID, remoteID: LockID)
}

/// A client lock on its holder node. For locally mastered locks the engine is authoritative and
/// only `place`, `owner`, `name` and `filter` are used; for remote ones the record tracks what the
/// holder knows (granted and requested modes) and which replies are outstanding.
struct HolderLock: Sendable {
    let id: LockID
    var owner: LockOwner
    let name: ResourceName
    var place: LockPlace
    /// The original request (resent after EBADR/ENOTBLK or once the master is known).
    var request: LockRequest
    /// Granted mode as the holder knows it (nil while a new request waits).
    var granted: LockMode?
    /// Pending mode (new request or conversion), nil when simply granted.
    var requested: LockMode?
    var flags: LockFlags
    var valueBlock: ValueBlock?
    /// The resource LVB as this holder last read or wrote it, with its sequence number: the copy
    /// sent to a new master in recovery (spec §10.5). Only for VALBLK locks.
    var recoveryValueBlock: ValueBlock?
    var valueBlockSequence: UInt32 = 0
    var inFlight: InFlight = []
    /// A cancel asked for while the request reply is outstanding (status to complete with).
    var deferredCancel: CompletionStatus?
    /// Flags of a force-unlock asked for while the request reply is outstanding.
    var deferredForceUnlock: LockFlags?
    var cancelUsed = false
    /// Mode of the last successful completion (selects the LVB cell of a synthetic grant).
    var lastCompletedMode: LockMode?
    /// The handle was closed: nothing more is delivered for this lock.
    var silenced = false
    var filter = CallbackFilter()

    init(id: LockID, request: LockRequest, place: LockPlace) {
        self.id = id
        self.owner = request.owner
        self.name = request.name
        self.place = place
        self.request = request
        self.requested = request.mode
        self.flags = request.flags
        self.valueBlock = request.flags.contains(.valueBlock) ? request.valueBlock : nil
    }

    /// The engine id of a locally mastered lock (0 otherwise).
    var engineID: LockID { if case .local(let engineID) = place { return engineID } else { return 0 } }

    var isLocal: Bool { if case .local = place { return true } else { return false } }

    var master: NodeID? { if case .remote(let master, _) = place { return master } else { return nil } }

    var remoteID: LockID { if case .remote(_, let remoteID) = place { return remoteID } else { return 0 } }
}
