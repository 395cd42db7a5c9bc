// dlmd — DLMDaemon: the daemon's effective configuration (defaults < config file < command line).

import DLMCore
import DLMNode
import DLMServer
import Logging

/// The settings `dlmd` runs with, after merging defaults, the configuration file and the command line
/// (command line wins, then the file, then the defaults — as dlm_controld does).
public struct DaemonConfiguration: Sendable, Equatable {
    /// Where a setting's value came from (shown by `dump_config` and `--print-config`).
    public enum Source: String, Sendable, Equatable {
        case defaultValue = "default"
        case configFile = "dlm.conf"
        case commandLine = "cli option"
    }

    public var clusterName = "dlmd"
    public var nodeID: NodeID = 1
    public var socketPath = "/run/dlmd/dlmd.sock"
    public var logLevel: Logger.Level = .info
    /// uids besides 0 allowed to create and release lockspaces.
    public var createUIDs: Set<UInt32> = []
    /// gids allowed to create and release lockspaces.
    public var createGIDs: Set<UInt32> = []
    /// Peer TCP port (cluster mode; unused by the single-node daemon).
    public var tcpPort: UInt16 = 21064
    /// Shared secret for peer authentication (cluster mode).
    public var keyFile: String?
    public var heartbeatIntervalMilliseconds: UInt32 = 1000
    public var nodeTimeoutMilliseconds: UInt32 = 5000
    public var recoverTimeoutMilliseconds: UInt32 = 30000
    /// Where the Prometheus metrics endpoint listens (`metrics_listen=HOST:PORT`); nil = off.
    public var metricsListen: ListenAddress?
    public var nodes: [NodeEntry] = []
    public var lockspaces: [LockspaceEntry] = []
    public var fenceAll: FenceAgent?
    /// `device` lines by name and `connect` lines by node (see `ConfigFile`).
    public var devices: [String: FenceAgent] = [:]
    public var connects: [NodeID: FenceAgent] = [:]
    /// Membership: heartbeat period and failure timeout (ms), fencing on/off, two-node quorum rule,
    /// fence agent time limit (ms).
    public var heartbeatInterval: UInt32 = 500
    public var failureTimeout: UInt32 = 3000
    public var enableFencing = true
    public var twoNode = false
    public var fenceTimeout: UInt32 = 60000
    /// Where each named setting came from.
    public var sources: [String: Source] = [:]

    public init() {}

    /// Command-line values that override the file.
    public struct Overrides: Sendable, Equatable {
        public var socketPath: String?
        public var nodeID: NodeID?
        public var logLevel: Logger.Level?

        public init(socketPath: String? = nil, nodeID: NodeID? = nil, logLevel: Logger.Level? = nil) {
            self.socketPath = socketPath
            self.nodeID = nodeID
            self.logLevel = logLevel
        }
    }

    /// Merges defaults, `file` and `overrides`, and checks the result.
    /// - Throws: `ConfigError` naming the offending line.
    public static func resolve(file: ConfigFile, overrides: Overrides = Overrides()) throws(ConfigError) -> DaemonConfiguration {
        var config = DaemonConfiguration()
        for (name, setting) in file.settings {
            try config.apply(name, setting.value, line: setting.line)
            config.sources[name] = .configFile
        }
        config.nodes = file.nodes
        config.lockspaces = file.lockspaces
        config.fenceAll = file.fenceAll
        config.devices = file.devices
        config.connects = file.connects
        if let socket = overrides.socketPath { config.set("socket", .commandLine) { $0.socketPath = socket } }
        if let node = overrides.nodeID { config.set("our_nodeid", .commandLine) { $0.nodeID = node } }
        if let level = overrides.logLevel { config.set("log_level", .commandLine) { $0.logLevel = level } }
        try config.validate()
        return config
    }

    private mutating func set(_ name: String, _ source: Source, _ change: (inout DaemonConfiguration) -> Void) {
        change(&self)
        sources[name] = source
    }

    private mutating func apply(_ name: String, _ value: String, line: Int) throws(ConfigError) {
        switch name {
        case "cluster_name": clusterName = value
        case "our_nodeid": nodeID = try ConfigParser.number(value, name, line: line, range: 1...UInt32.max)
        case "socket": socketPath = value
        case "log_level":
            guard let level = Logger.Level(rawValue: value) else {
                throw ConfigError(line: line, "log_level must be trace, debug, info, notice, warning, error or critical")
            }
            logLevel = level
        case "create_uid": createUIDs = try Self.idList(value, name, line: line)
        case "create_gid": createGIDs = try Self.idList(value, name, line: line)
        case "tcp_port": tcpPort = UInt16(try ConfigParser.number(value, name, line: line, range: 1...65535))
        case "key_file": keyFile = value
        case "heartbeat_interval_ms":
            heartbeatIntervalMilliseconds = try ConfigParser.number(value, name, line: line, range: 10...60000)
        case "node_timeout_ms": nodeTimeoutMilliseconds = try ConfigParser.number(value, name, line: line, range: 100...600_000)
        case "metrics_listen": metricsListen = try ListenAddress(parsing: value, line: line)
        case "heartbeat_interval": heartbeatInterval = try ConfigParser.number(value, name, line: line, range: 10...60000)
        case "failure_timeout": failureTimeout = try ConfigParser.number(value, name, line: line, range: 50...600_000)
        case "enable_fencing": enableFencing = try ConfigParser.number(value, name, line: line, range: 0...1) == 1
        case "two_node": twoNode = try ConfigParser.number(value, name, line: line, range: 0...1) == 1
        case "fence_timeout": fenceTimeout = try ConfigParser.number(value, name, line: line, range: 100...3_600_000)
        case "recover_timeout_ms":
            recoverTimeoutMilliseconds = try ConfigParser.number(value, name, line: line, range: 100...3_600_000)
        default: throw ConfigError(line: line, "unknown setting '\(name)'")
        }
    }

    private static func idList(_ value: String, _ name: String, line: Int) throws(ConfigError) -> Set<UInt32> {
        var ids: Set<UInt32> = []
        for part in value.split(separator: ",") {
            ids.insert(try ConfigParser.number(part.trimmingWhitespace(), name, line: line, range: 0...UInt32.max - 1))
        }
        return ids
    }

    /// Cross-line checks: our node must be a member when members are listed; masters must be members.
    private func validate() throws(ConfigError) {
        guard !nodes.isEmpty else { return }
        guard nodes.contains(where: { $0.id == nodeID }) else {
            throw ConfigError(line: nil, "our node id \(nodeID) has no node line")
        }
        guard failureTimeout > heartbeatInterval else {
            throw ConfigError(line: nil, "failure_timeout must be longer than heartbeat_interval")
        }
        guard !twoNode || nodes.count == 2 else { throw ConfigError(line: nil, "two_node=1 needs exactly two node lines") }
        for lockspace in lockspaces {
            for master in lockspace.masters where !nodes.contains(where: { $0.id == master.node }) {
                throw ConfigError(line: lockspace.line, "lockspace \(lockspace.name): master node \(master.node) has no node line")
            }
        }
    }

    /// A TCP listen address, `HOST:PORT` (`[V6]:PORT` for IPv6 literals).
    public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        init(parsing text: String, line: Int) throws(ConfigError) {
            guard let colon = text.lastIndex(of: ":"), colon != text.startIndex else {
                throw ConfigError(line: line, "metrics_listen must be HOST:PORT, such as 127.0.0.1:9464")
            }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            let port = try ConfigParser.number(String(text[text.index(after: colon)...]), "metrics_listen port", line: line, range: 1...65535)
            self.init(host: host, port: Int(port))
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The lockspace service's settings derived from this configuration.
    public func serviceConfiguration() -> ServiceConfiguration {
        var service = ServiceConfiguration(
            nodeID: nodeID, clusterName: clusterName, createUIDs: createUIDs, createGIDs: createGIDs,
            configurationText: dumpText())
        service.members = Set(nodes.map(\.id))
        service.knownLockspaces = lockspaces.compactMap { entry in
            guard let name = try? LockspaceName(entry.name) else { return nil }
            var weights: [NodeID: UInt32] = [:]
            for master in entry.masters { weights[master.node] = master.weight }
            return LockspaceConfiguration(
                name: name, noDirectory: entry.noDirectory, masterWeights: weights,
                valueBlockLength: entry.valueBlockLength)
        }
        return service
    }

    /// Membership settings for a cluster node; `incarnation` identifies this run of the daemon.
    public func membershipSettings(incarnation: UInt32) -> MembershipSettings {
        var commands: [NodeID: FenceCommand] = [:]
        for node in nodes {
            if let connect = connects[node.id], let device = devices[connect.agent] {
                commands[node.id] = FenceCommand(agent: device.agent, arguments: device.arguments + connect.arguments)
            } else if let all = fenceAll {
                commands[node.id] = FenceCommand(agent: all.agent, arguments: all.arguments)
            }
        }
        return MembershipSettings(
            incarnation: incarnation, heartbeatInterval: .milliseconds(Int64(heartbeatInterval)),
            failureTimeout: .milliseconds(Int64(failureTimeout)), enableFencing: enableFencing, twoNode: twoNode,
            fenceCommands: commands, fenceTimeout: .milliseconds(Int64(fenceTimeout)))
    }

    /// Whether this configuration names other nodes (cluster mode: peer links are started).
    public var isCluster: Bool { nodes.contains { $0.id != nodeID } }
}
