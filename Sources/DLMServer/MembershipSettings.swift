// dlmd — DLMServer: how a cluster node runs membership: heartbeat and failure timing, quorum rule and
// fencing policy (built by DLMDaemon from `heartbeat_interval`, `failure_timeout`, `enable_fencing`,
// `two_node`, `fence_all` and `device`/`connect` lines).

import DLMCore

/// Membership settings of one cluster node; nil in `ServiceConfiguration` means static membership
/// (a lone node, or tests that drive the node directly).
public struct MembershipSettings: Sendable, Equatable {
    /// This run's incarnation: a restarted daemon must announce a different value.
    public var incarnation: UInt32
    /// How often the agent sends VIEW_HEARTBEAT to every peer.
    public var heartbeatInterval: Duration
    /// A peer not heard from for this long is considered failed.
    public var failureTimeout: Duration
    /// false: a departed node counts as fenced at once (test clusters; unsafe when it is only
    /// partitioned or paused, not dead).
    public var enableFencing: Bool
    /// Exactly two configured nodes: one live node is quorate (safety then rests on fencing).
    public var twoNode: Bool
    /// The fence command of each node that has one (`fence_all` covers all); others wait for `fence_ack`.
    public var fenceCommands: [NodeID: FenceCommand]
    /// How long a failed fence agent run waits before it is retried.
    public var fenceRetryDelay: Duration
    /// How long a fence agent may run before it is killed and counted as failed.
    public var fenceTimeout: Duration

    /// The membership incarnation of a daemon run whose transport incarnation (HELLO, wall-clock
    /// nanoseconds at start) is `run`: milliseconds, wrapped to 32 bits, never 0. Two runs collide
    /// only when started a multiple of ~49.7 days apart to the millisecond.
    public static func incarnation(ofRun run: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: run / 1_000_000) | 1 }

    /// Nodes a fence agent is configured for.
    public var fencedByAgent: Set<NodeID> { Set(fenceCommands.keys) }

    public init(
        incarnation: UInt32, heartbeatInterval: Duration = .milliseconds(500), failureTimeout: Duration = .milliseconds(3000),
        enableFencing: Bool = true, twoNode: Bool = false, fenceCommands: [NodeID: FenceCommand] = [:],
        fenceRetryDelay: Duration = .seconds(5), fenceTimeout: Duration = .seconds(60)
    ) {
        self.incarnation = incarnation
        self.heartbeatInterval = heartbeatInterval
        self.failureTimeout = failureTimeout
        self.enableFencing = enableFencing
        self.twoNode = twoNode
        self.fenceCommands = fenceCommands
        self.fenceRetryDelay = fenceRetryDelay
        self.fenceTimeout = fenceTimeout
    }
}
