// dlmd — DLMDaemon: what a reloaded configuration changes, split into what can and cannot be applied live.

import DLMCore
import Logging

/// The difference between the configuration in force and a newly read one (SIGHUP / `systemctl reload`).
///
/// Applied live: `log_level`, `create_uid`, `create_gid`, and `lockspace` lines for lockspaces that
/// did not exist. Everything else — identity, socket, transport, timeouts, metrics address, members,
/// fencing, and removed or altered lockspace lines — needs a restart and is only reported.
public struct ConfigurationChange: Sendable, Equatable {
    /// The configuration to run with from now on: the old one with the live changes applied.
    public var applied: DaemonConfiguration
    /// Lockspaces to create now.
    public var addedLockspaces: [LockspaceEntry]
    /// Names of the reloadable settings that changed (for the log).
    public var appliedSettings: [String]
    /// What changed but waits for a restart, one phrase each (`socket`, `lockspace shared removed`…).
    public var needsRestart: [String]

    /// Compares `current` (in force) with `reloaded` (just read and resolved).
    public init(current: DaemonConfiguration, reloaded: DaemonConfiguration) {
        applied = current
        addedLockspaces = []
        appliedSettings = []
        needsRestart = []
        applyLiveSettings(from: reloaded)
        compareLockspaces(current.lockspaces, reloaded.lockspaces)
        noteFixedSettings(current, reloaded)
    }

    /// True when nothing differs.
    public var isEmpty: Bool { addedLockspaces.isEmpty && appliedSettings.isEmpty && needsRestart.isEmpty }

    private mutating func applyLiveSettings(from reloaded: DaemonConfiguration) {
        if applied.logLevel != reloaded.logLevel {
            applied.logLevel = reloaded.logLevel
            appliedSettings.append("log_level")
        }
        if applied.createUIDs != reloaded.createUIDs {
            applied.createUIDs = reloaded.createUIDs
            appliedSettings.append("create_uid")
        }
        if applied.createGIDs != reloaded.createGIDs {
            applied.createGIDs = reloaded.createGIDs
            appliedSettings.append("create_gid")
        }
        for name in ["log_level", "create_uid", "create_gid"] { applied.sources[name] = reloaded.sources[name] }
    }

    private mutating func compareLockspaces(_ old: [LockspaceEntry], _ new: [LockspaceEntry]) {
        for entry in new {
            guard let existing = old.first(where: { $0.name == entry.name }) else {
                addedLockspaces.append(entry)
                applied.lockspaces.append(entry)
                continue
            }
            if !Self.sameLockspace(existing, entry) { needsRestart.append("lockspace \(entry.name) changed") }
        }
        for entry in old where !new.contains(where: { $0.name == entry.name }) {
            needsRestart.append("lockspace \(entry.name) removed")
        }
    }

    private mutating func noteFixedSettings(_ old: DaemonConfiguration, _ new: DaemonConfiguration) {
        let fixed: [(String, Bool)] = [
            ("cluster_name", old.clusterName == new.clusterName),
            ("our_nodeid", old.nodeID == new.nodeID),
            ("socket", old.socketPath == new.socketPath),
            ("tcp_port", old.tcpPort == new.tcpPort),
            ("key_file", old.keyFile == new.keyFile),
            ("heartbeat_interval_ms", old.heartbeatIntervalMilliseconds == new.heartbeatIntervalMilliseconds),
            ("node_timeout_ms", old.nodeTimeoutMilliseconds == new.nodeTimeoutMilliseconds),
            ("recover_timeout_ms", old.recoverTimeoutMilliseconds == new.recoverTimeoutMilliseconds),
            ("metrics_listen", old.metricsListen == new.metricsListen),
            ("node lines", old.nodes.map(\.withoutLine) == new.nodes.map(\.withoutLine)),
            ("fence_all", old.fenceAll == new.fenceAll),
            ("device and connect lines", old.devices == new.devices && old.connects == new.connects),
            ("membership settings",
             old.heartbeatInterval == new.heartbeatInterval && old.failureTimeout == new.failureTimeout
                && old.enableFencing == new.enableFencing && old.twoNode == new.twoNode && old.fenceTimeout == new.fenceTimeout),
        ]
        needsRestart += fixed.filter { !$0.1 }.map(\.0)
    }

    private static func sameLockspace(_ a: LockspaceEntry, _ b: LockspaceEntry) -> Bool {
        a.noDirectory == b.noDirectory && a.valueBlockLength == b.valueBlockLength && a.mode == b.mode
            && a.masters == b.masters
    }
}

extension NodeEntry {
    /// The entry with its source line cleared, for comparing files that moved lines around.
    var withoutLine: NodeEntry {
        var copy = self
        copy.line = 0
        return copy
    }
}
