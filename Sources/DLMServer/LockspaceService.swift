// dlmd — DLMServer: the node's decision logic for local clients, free of sockets, threads and clocks.

import DLMClientProtocol
import DLMCore
import DLMEngine
import Logging

/// The lockspace registry and request dispatcher of one node. Every input (a connection opening, a
/// decoded request, a disconnect, a timer) comes in with the current instant; every effect goes out
/// as `ServiceOutput` directives the shell performs in order. It never does I/O or reads a clock, so
/// the cluster's deterministic `DLMNode` can embed it and tests can drive it directly.
///
/// Session lifecycle:
///
///     connect ──▶ unbound ──CREATE/OPEN ok──▶ bound(lockspace) ──RELEASE_LOCKSPACE / disconnect──▶ gone
///                    └── QUERY, RELEASE_BY_NAME (admin) ──▶ disconnect ──▶ gone
///
/// Not thread-safe: one event loop owns it.
public struct LockspaceService {
    struct Session {
        var credentials: PeerCredentials
        var lockspace: LockspaceName?
    }

    /// Settings in force (`reconfigure` replaces the reloadable ones).
    public private(set) var configuration: ServiceConfiguration
    var logger: Logger
    var lockspaces: [LockspaceName: Lockspace] = [:]
    var sessions: [UInt64: Session] = [:]
    var callbackFilter = CallbackFilters()
    /// Reused scratch array for engine effects (no allocation per request once warm).
    var effects: [EngineEffect] = []

    /// - Parameters:
    ///   - configuration: node id, privileges and limits.
    ///   - logger: where lock-lifecycle debug lines go.
    public init(configuration: ServiceConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        effects.reserveCapacity(16)
    }

    /// Applies a reloaded configuration's privileges and `dump_config` text. The node id, cluster name
    /// and limits are fixed for the process's life and stay as they are.
    public mutating func reconfigure(_ reloaded: ServiceConfiguration) {
        configuration.createUIDs = reloaded.createUIDs
        configuration.createGIDs = reloaded.createGIDs
        configuration.configurationText = reloaded.configurationText
    }

    /// Number of lockspaces hosted.
    public var lockspaceCount: Int { lockspaces.count }
    /// Number of connected sessions.
    public var sessionCount: Int { sessions.count }

    /// Creates a lockspace from the configuration at start-up, holding one create reference for the daemon.
    /// - Throws: `DLMErrno.EINVAL` for a bad name or LVB length, `EEXIST` when it already exists.
    public mutating func createConfiguredLockspace(name: String, mode: UInt32, valueBlockLength: Int) throws(DLMErrno) {
        let lockspaceName = try LockspaceName(name)
        guard lockspaces[lockspaceName] == nil else { throw .EEXIST }
        let length = try Self.validValueBlockLength(UInt32(clamping: valueBlockLength))
        let root = PeerCredentials(pid: 0, uid: 0, gid: 0)
        lockspaces[lockspaceName] = Lockspace(
            name: lockspaceName, flags: [], mode: mode == 0 ? 0o600 : mode & 0o777, owner: root,
            valueBlockLength: length, lockCountMax: configuration.locksPerLockspaceMax)
    }

    // MARK: - Session events

    /// A client connected; `session` is a node-unique id that becomes its handle when it binds.
    public mutating func connect(session: UInt64, credentials: PeerCredentials) {
        invariant(session != 0, "session id 0 is reserved for orphans")
        invariant(sessions[session] == nil, "session id reused while connected", dump: "session \(session)")
        sessions[session] = Session(credentials: credentials, lockspace: nil)
    }

    /// A client's connection closed: its handle closes (non-persistent locks released, persistent ones
    /// orphaned, pending requests cancelled) and no callback is sent for any of it.
    public mutating func disconnect(session: UInt64, now: MonotonicInstant, output: inout [ServiceOutput]) {
        guard let state = sessions.removeValue(forKey: session) else { return }
        guard let name = state.lockspace, lockspaces[name] != nil else { return }
        closeHandle(session, in: name, now: now, output: &output)
        lockspaces[name]!.handles.remove(session)
    }

    /// One decoded request from `session`. Appends the reply first, then any callbacks it caused.
    public mutating func handle(
        session: UInt64, frame: RequestFrame, now: MonotonicInstant, output: inout [ServiceOutput]
    ) {
        guard let state = sessions[session] else { return }
        let requestID = frame.requestID
        switch frame.message {
        case .createLockspace(let create):
            reply(session, requestID, createLockspace(session: session, state: state, create: create), &output)
        case .openLockspace(let name):
            reply(session, requestID, openLockspace(session: session, state: state, name: name), &output)
        case .releaseLockspace(let force):
            releaseLockspace(session: session, requestID: requestID, force: force, now: now, output: &output)
        case .releaseByName(let force, let name):
            releaseByName(session: session, requestID: requestID, force: force, name: name, now: now, output: &output)
        case .lock(let call):
            lock(session: session, requestID: requestID, call: call, now: now, output: &output)
        case .unlock(let call):
            unlock(session: session, requestID: requestID, call: call, now: now, output: &output)
        case .purge(let nodeID, let pid):
            purge(session: session, requestID: requestID, nodeID: nodeID, pid: pid, now: now, output: &output)
        case .query(let kind, let name):
            query(session: session, requestID: requestID, kind: kind, name: name, now: now, output: &output)
        }
        assert(checkInvariants(), "lockspace invariants")  // debug builds: full engine check after every request
    }

    /// Runs every lockspace engine's invariant check (each stops the process on a violation).
    /// - Returns: true, so it can sit inside `assert`.
    public func checkInvariants() -> Bool {
        for lockspace in lockspaces.values {
            lockspace.engine.checkInvariants()
            invariant(
                lockspace.handles.allSatisfy { sessions[$0]?.lockspace == lockspace.name },
                "a lockspace lists a handle that is not bound to it", dump: "\(lockspace.name)")
        }
        return true
    }

    // MARK: - Timers

    /// The earliest LKF_TIMEOUT deadline of any lockspace; the shell arms a timer for it.
    public var nextTimeoutDeadline: MonotonicInstant? {
        lockspaces.values.compactMap(\.engine.nextTimeoutDeadline).min()
    }

    /// Expires every request whose LKF_TIMEOUT deadline has passed and delivers the completions.
    public mutating func expireTimeouts(now: MonotonicInstant, output: inout [ServiceOutput]) {
        for name in lockspaces.keys {
            guard let deadline = lockspaces[name]!.engine.nextTimeoutDeadline, deadline <= now else { continue }
            effects.removeAll(keepingCapacity: true)
            lockspaces[name]!.engine.expireTimeouts(now: now, effects: &effects)
            deliverEffects(&output)
        }
    }

    // MARK: - Helpers

    func reply(_ session: UInt64, _ requestID: UInt32, _ result: RequestResult, _ output: inout [ServiceOutput]) {
        output.append(.send(session: session, frame: ReplyFrame(requestID: requestID, message: .result(result))))
    }

    mutating func closeHandle(_ session: UInt64, in name: LockspaceName, now: MonotonicInstant, output: inout [ServiceOutput]) {
        effects.removeAll(keepingCapacity: true)
        lockspaces[name]!.engine.closeHandle(session, now: now, effects: &effects)
        callbackFilter.forget(handle: session)
        deliverEffects(&output)
    }

    /// Routes the scratch `effects` to their owners' sessions, applying bast suppression.
    mutating func deliverEffects(_ output: inout [ServiceOutput]) {
        for effect in effects {
            switch effect {
            case .completion(let completion):
                let handle = completion.owner.handle
                callbackFilter.noteCompletion(handle: handle, lockID: completion.lockID, grantedMode: completion.grantedMode)
                guard sessions[handle] != nil else { continue }
                let callback = CompletionCallback(
                    lockID: completion.lockID, status: completion.status, flags: completion.flags,
                    grantedMode: completion.grantedMode, valueBlock: completion.valueBlock?.bytes)
                output.append(.send(session: handle, frame: ReplyFrame(requestID: 0, message: .completion(callback))))
            case .blocking(let notice):
                let handle = notice.owner.handle
                guard sessions[handle] != nil,
                    callbackFilter.admitBlocking(handle: handle, lockID: notice.lockID, mode: notice.mode)
                else { continue }
                let message = DaemonMessage.blocking(lockID: notice.lockID, mode: notice.mode)
                output.append(.send(session: handle, frame: ReplyFrame(requestID: 0, message: message)))
            }
        }
        effects.removeAll(keepingCapacity: true)
    }

    static func validValueBlockLength(_ requested: UInt32) throws(DLMErrno) -> Int {
        if requested == 0 { return Limits.valueBlockBytesDefault }
        guard requested % 8 == 0, requested <= UInt32(Limits.valueBlockBytesMax) else { throw .EINVAL }
        return Int(requested)
    }
}
