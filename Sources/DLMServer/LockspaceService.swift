// dlmd — DLMServer: the node's decision logic for local clients, free of sockets, threads and clocks.

import DLMClientProtocol
import DLMCore
import DLMEngine
import DLMNode
import Logging

/// The lockspace registry and request dispatcher of one node. Every input (a connection opening, a
/// decoded request, a disconnect, a timer) comes in with the current instant; every effect goes out
/// as `ServiceOutput` directives the shell performs in order. It never does I/O or reads a clock.
/// Every lock operation goes through one `DLMNode` (all lockspaces' lock state of this node), so a
/// single node and a cluster member share one code path; the node's peer messages come out as
/// `.peer` outputs and peer messages go in through `receivePeerMessage`.
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
        /// `FENCE_TOKENS` enabled: EX/PW grants are preceded by `FENCE_TOKEN`.
        var wantsFenceTokens = false
        /// `RECOVERY_EVENTS` enabled: the lockspace's recovery notifications are sent as `RECOVERY_EVENT`.
        var wantsRecoveryEvents = false
    }

    /// Settings in force (`reconfigure` replaces the reloadable ones).
    public private(set) var configuration: ServiceConfiguration
    var logger: Logger
    var lockspaces: [LockspaceName: Lockspace] = [:]
    var sessions: [UInt64: Session] = [:]
    /// The node state machine that owns every lock of every lockspace on this node.
    public internal(set) var node: DLMNode
    /// Lockspace names by global id: configured ones, `default`, and every one created here.
    var knownNames: [UInt32: LockspaceName] = [:]
    /// Peer messages for lockspace ids not known yet, held until the sender's ANNOUNCE names them.
    var heldUnknown: [UInt32: [HeldPeerMessage]] = [:]
    /// Total messages in `heldUnknown` (bounded by `Limits.unknownLockspaceMessagesMax`).
    var heldUnknownCount = 0
    /// Lockspaces a local create joined that are still to be announced to the peers.
    var announceQueue: [UInt32] = []
    /// Link state of each peer as the transport last reported it (`status` output).
    var peerStates: [NodeID: String] = [:]
    /// Reused scratch array for node directives (no allocation per request once warm).
    var directives: [NodeDirective] = []
    /// Requests handled so far (paces the debug-build invariant check).
    var requestsHandled: UInt64 = 0
    /// Dynamic membership (nil: the configured members, static, generation 1).
    var membership: MembershipState?
    /// Recovery notifications taken from the node and not yet routed to the subscribed sessions.
    var heldRecoveryEvents: [RecoveryEvent] = []

    /// - Parameters:
    ///   - configuration: node id, privileges and limits.
    ///   - logger: where lock-lifecycle debug lines go.
    public init(configuration: ServiceConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        if let settings = configuration.membership {
            // No view yet: the node starts alone at generation 0 and its lockspaces stay stopped
            // until the first view is committed (docs/recovery.md, "The daemon").
            self.node = DLMNode(nodeID: configuration.nodeID, membership: ClusterMembership(members: [configuration.nodeID], generation: 0))
            self.membership = MembershipState(me: configuration.nodeID, configured: configuration.members, settings: settings)
        } else {
            self.node = DLMNode(nodeID: configuration.nodeID, membership: ClusterMembership(members: configuration.effectiveMembers))
        }
        directives.reserveCapacity(16)
        for known in configuration.knownLockspaces { knownNames[known.globalID] = known.name }
        if let name = try? LockspaceName("default") { knownNames[Lockspace.globalID(of: name)] = name }
    }

    /// Whether this node runs alone (no other configured member): the node may then forget a
    /// lockspace's lock state when its last create reference goes.
    var isSingleNode: Bool { configuration.effectiveMembers.count == 1 }

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
        try joinNode(lockspaceName, valueBlockLength: length)
        lockspaces[lockspaceName] = Lockspace(
            name: lockspaceName, flags: [], mode: mode == 0 ? 0o600 : mode & 0o777, owner: root,
            valueBlockLength: length)
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
            announceQueued(&output)
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
        case .fenceAck(let node):
            do throws(DLMErrno) {
                guard mayCreate(state.credentials) else { throw .EPERM }
                try fenceAck(node: node, now: now, output: &output)
                reply(session, requestID, RequestResult(), &output)
            } catch {
                reply(session, requestID, .failure(error), &output)
            }
        case .fenceTokens(let enable):
            sessions[session]?.wantsFenceTokens = enable
            reply(session, requestID, RequestResult(errno: 0, lockID: 0, outcome: .noCompletion), &output)
        case .recoveryEvents(let enable):
            subscribeRecoveryEvents(session: session, requestID: requestID, enable: enable, output: &output)
        }
        // Debug builds: the full check is O(locks), so it runs after each of the first 256 requests
        // (small states, where tests live) and then after every 64th, keeping big debug runs linear.
        assert(debugCheckDue() ? checkInvariants() : true, "lockspace invariants")
    }

    /// Whether the debug-build invariant check runs after this request.
    mutating func debugCheckDue() -> Bool {
        requestsHandled &+= 1
        return requestsHandled <= 256 || requestsHandled % 64 == 0
    }

    /// Runs every lockspace engine's invariant check (each stops the process on a violation).
    /// - Returns: true, so it can sit inside `assert`.
    public func checkInvariants() -> Bool {
        node.checkInvariants()
        for lockspace in lockspaces.values {
            invariant(
                lockspace.handles.allSatisfy { sessions[$0]?.lockspace == lockspace.name },
                "a lockspace lists a handle that is not bound to it", dump: "\(lockspace.name)")
        }
        return true
    }

    // MARK: - Timers

    /// The earliest instant the node has timed work (LKF_TIMEOUT expiry, freeing an inactive
    /// resource, forgetting a cached master); the shell arms a timer for it.
    public var nextTimeoutDeadline: MonotonicInstant? { node.nextDeadline }

    /// Runs the node's timed work that is due and performs what it decided.
    public mutating func expireTimeouts(now: MonotonicInstant, output: inout [ServiceOutput]) {
        guard let deadline = node.nextDeadline, deadline <= now else { return }
        directives.removeAll(keepingCapacity: true)
        node.onTick(now: now, directives: &directives)
        performDirectives(&output)
    }

    // MARK: - Helpers

    func reply(_ session: UInt64, _ requestID: UInt32, _ result: RequestResult, _ output: inout [ServiceOutput]) {
        output.append(.send(session: session, frame: ReplyFrame(requestID: requestID, message: .result(result))))
    }

    mutating func closeHandle(_ session: UInt64, in name: LockspaceName, now: MonotonicInstant, output: inout [ServiceOutput]) {
        directives.removeAll(keepingCapacity: true)
        node.closeHandle(lockspace: lockspaces[name]!.globalID, handle: session, now: now, directives: &directives)
        performDirectives(&output)
    }

    /// Turns the scratch `directives` into outputs: callbacks to their owners' sessions (the node
    /// already applied bast suppression per lock), messages to peers. Timer directives are not
    /// needed: the shell re-arms from `nextTimeoutDeadline` after every input.
    mutating func performDirectives(_ output: inout [ServiceOutput]) {
        for directive in directives {
            switch directive {
            case .deliver(_, .completion(let completion)):
                let handle = completion.owner.handle
                guard let state = sessions[handle] else { continue }
                if state.wantsFenceTokens, completion.fenceToken != 0 {
                    let token = DaemonMessage.fenceToken(lockID: completion.lockID, token: completion.fenceToken)
                    output.append(.send(session: handle, frame: ReplyFrame(requestID: 0, message: token)))
                }
                let callback = CompletionCallback(
                    lockID: completion.lockID, status: completion.status, flags: completion.flags,
                    grantedMode: completion.grantedMode, valueBlock: completion.valueBlock?.bytes)
                output.append(.send(session: handle, frame: ReplyFrame(requestID: 0, message: .completion(callback))))
            case .deliver(_, .blocking(let notice)):
                let handle = notice.owner.handle
                guard sessions[handle] != nil else { continue }
                let message = DaemonMessage.blocking(lockID: notice.lockID, mode: notice.mode)
                output.append(.send(session: handle, frame: ReplyFrame(requestID: 0, message: message)))
            case .send(let peer, let lockspace, let message):
                output.append(.peer(to: peer, lockspace: lockspace, message: message))
            case .scheduleTimer:
                continue
            }
        }
        directives.removeAll(keepingCapacity: true)
    }

    static func validValueBlockLength(_ requested: UInt32) throws(DLMErrno) -> Int {
        if requested == 0 { return Limits.valueBlockBytesDefault }
        guard requested % 8 == 0, requested <= UInt32(Limits.valueBlockBytesMax) else { throw .EINVAL }
        return Int(requested)
    }
}
