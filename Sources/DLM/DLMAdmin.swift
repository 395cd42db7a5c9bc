// dlmd — DLM client: administrative requests on an unbound connection (what dlm_tool uses).

import DLMClientProtocol
import DLMCore

/// A report dlmd can produce (`dlm_tool ls`, `status`, `lockdebug`, `lockdump`, `dump_config`).
public enum DLMQuery: Sendable, Hashable {
    /// Lockspaces known to the daemon.
    case lockspaces
    /// Daemon and cluster state.
    case status
    /// Full lock state of a lockspace on this node.
    case lockDebug(lockspace: String)
    /// Minimal lock list of a lockspace.
    case lockDump(lockspace: String)
    /// The effective configuration.
    case dumpConfig

    var wire: (QueryKind, String) {
        switch self {
        case .lockspaces: return (.ls, "")
        case .status: return (.status, "")
        case .lockDebug(let name): return (.lockdebug, name)
        case .lockDump(let name): return (.lockdump, name)
        case .dumpConfig: return (.dumpConfig, "")
        }
    }
}

/// Administrative calls that use a short-lived unbound connection.
public enum DLMAdmin {
    /// Asks dlmd for a text report.
    /// - Parameters:
    ///   - query: which report.
    ///   - socketPath: overrides the socket path.
    /// - Returns: the report text, as the daemon wrote it.
    /// - Throws: `DLMErrno` from the daemon (ENOENT for an unknown lockspace) or from connecting.
    public static func query(_ query: DLMQuery, socketPath: String? = nil) throws(DLMErrno) -> String {
        let connection = try Connection.connect(path: DLMSocketPath.resolve(socketPath))
        defer { connection.close() }
        let (kind, name) = query.wire
        let id = try connection.send(.query(kind: kind, name: name), as: .plain)
        switch try connection.awaitReply(id) {
        case .text(let text):
            return text
        case .result(let result):
            throw DLMErrno(result.errno == 0 ? DLMErrno.EPROTO.rawValue : result.errno)
        }
    }

    /// Releases a lockspace by name without opening it (`dlm_tool leave`).
    /// - Parameters:
    ///   - name: the lockspace.
    ///   - force: remove it even when locks or orphans remain.
    ///   - socketPath: overrides the socket path.
    /// - Throws: `DLMErrno`: ENOENT, EBUSY, EPERM.
    public static func releaseLockspace(_ name: String, force: Bool, socketPath: String? = nil) throws(DLMErrno) {
        let validName = try LockspaceName(name)
        let connection = try Connection.connect(path: DLMSocketPath.resolve(socketPath))
        defer { connection.close() }
        try connection.roundTrip(.releaseByName(force: force ? 1 : 0, name: validName.value))
    }

    /// Confirms that departed node `nodeID` is dead so recovery may drop its locks (`dlm_tool fence_ack`).
    /// - Parameters:
    ///   - nodeID: the departed node.
    ///   - socketPath: overrides the socket path.
    /// - Throws: `DLMErrno`: ENOENT (no departed incarnation of the node waits for fencing), EPERM,
    ///   EINVAL (the daemon runs without dynamic membership).
    public static func fenceAck(nodeID: UInt32, socketPath: String? = nil) throws(DLMErrno) {
        let connection = try Connection.connect(path: DLMSocketPath.resolve(socketPath))
        defer { connection.close() }
        try connection.roundTrip(.fenceAck(nodeID: nodeID))
    }
}
