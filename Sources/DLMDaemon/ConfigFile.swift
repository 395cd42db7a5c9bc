// dlmd — DLMDaemon: the contents of a dlm.conf-style file, as parsed (before defaults and overrides).

import DLMCore

/// Everything a configuration file said. Produced by `ConfigParser`; merged with defaults and the
/// command line by `DaemonConfiguration.resolve`.
public struct ConfigFile: Sendable, Equatable {
    /// `name=value` settings, by name, with the line they came from.
    public var settings: [String: ConfigSetting] = [:]
    /// `node id=N addr=A port=P [weight=W]` lines in file order.
    public var nodes: [NodeEntry] = []
    /// `lockspace NAME …` lines with their `master` lines.
    public var lockspaces: [LockspaceEntry] = []
    /// `fence_all AGENT ARGS`.
    public var fenceAll: FenceAgent?
    /// `device NAME AGENT ARGS`, by name.
    public var devices: [String: FenceAgent] = [:]
    /// `connect NAME node=N ARGS`: the device that fences node N, with per-node arguments.
    public var connects: [NodeID: FenceAgent] = [:]

    public init() {}
}

/// One `name=value` setting and where it was written.
public struct ConfigSetting: Sendable, Equatable {
    public var value: String
    public var line: Int

    public init(value: String, line: Int) {
        self.value = value
        self.line = line
    }
}

/// A cluster member from a `node` line.
public struct NodeEntry: Sendable, Equatable {
    public var id: NodeID
    public var address: String
    public var port: UInt16
    /// Directory weight (default 1; 0 = never a directory node).
    public var weight: UInt32
    public var line: Int

    public init(id: NodeID, address: String, port: UInt16, weight: UInt32 = 1, line: Int = 0) {
        self.id = id
        self.address = address
        self.port = port
        self.weight = weight
        self.line = line
    }
}

/// A lockspace to create at start (`lockspace NAME [nodir=1] [lvblen=N] [mode=0660]`).
public struct LockspaceEntry: Sendable, Equatable {
    public var name: String
    /// Static masters (hash of the name) instead of directory lookups.
    public var noDirectory: Bool
    public var valueBlockLength: Int
    /// Permission bits.
    public var mode: UInt32
    /// `master NAME node=N [weight=W]` lines that followed it.
    public var masters: [MasterEntry]
    public var line: Int

    public init(
        name: String, noDirectory: Bool = false, valueBlockLength: Int = Limits.valueBlockBytesDefault,
        mode: UInt32 = 0o600, masters: [MasterEntry] = [], line: Int = 0
    ) {
        self.name = name
        self.noDirectory = noDirectory
        self.valueBlockLength = valueBlockLength
        self.mode = mode
        self.masters = masters
        self.line = line
    }
}

/// A preferred master of a configured lockspace.
public struct MasterEntry: Sendable, Equatable {
    public var node: NodeID
    public var weight: UInt32

    public init(node: NodeID, weight: UInt32 = 1) {
        self.node = node
        self.weight = weight
    }
}

/// A fencing agent and its arguments (`fence_all AGENT ARGS`, `device NAME AGENT ARGS`); in a
/// `connect` entry, `agent` is the device name and `arguments` the node's own arguments.
public struct FenceAgent: Sendable, Equatable {
    public var agent: String
    public var arguments: [String]

    public init(agent: String, arguments: [String]) {
        self.agent = agent
        self.arguments = arguments
    }
}

/// A configuration error with the line it was found on (nil when it concerns the file as a whole).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int?
    public var message: String

    public init(line: Int?, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String {
        guard let line else { return message }
        return "line \(line): \(message)"
    }
}
