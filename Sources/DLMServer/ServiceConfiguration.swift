// dlmd — DLMServer: the settings the lockspace service and the socket server run with.

import DLMCore
import DLMNode

/// Settings of the client-facing side of one node. Built by DLMDaemon from the configuration.
public struct ServiceConfiguration: Sendable {
    /// This node's id (owner node of local locks).
    public var nodeID: NodeID
    /// Cluster name, shown by `status`.
    public var clusterName: String
    /// uids besides 0 that may create and release lockspaces.
    public var createUIDs: Set<UInt32>
    /// gids whose members may create and release lockspaces.
    public var createGIDs: Set<UInt32>
    /// Locks one connection may hold or request at once; beyond it LOCK fails with ENOMEM.
    public var locksPerClientMax: Int
    /// Locks one lockspace may hold in total on this node; beyond it LOCK fails with ENOMEM.
    public var locksPerLockspaceMax: Int
    /// Callback and reply bytes queued to a client that does not read before it is disconnected.
    public var clientOutputBytesMax: Int
    /// Text answered to `QUERY dump_config` (the daemon's effective configuration).
    public var configurationText: String
    /// The cluster's members (the configured `node` lines); empty means this node alone. Static:
    /// every lockspace's members are these nodes until membership and recovery exist.
    public var members: Set<NodeID> = []
    /// Node settings of lockspaces known by name before any client creates them (the configured
    /// `lockspace` lines); a peer message for one of these joins it on this node implicitly.
    public var knownLockspaces: [LockspaceConfiguration] = []
    /// Dynamic membership (views, quorum, fencing, recovery); nil keeps the configured members static.
    public var membership: MembershipSettings?

    /// The members the node runs with: `members` plus this node.
    public var effectiveMembers: Set<NodeID> { members.union([nodeID]) }

    public init(
        nodeID: NodeID = 1, clusterName: String = "", createUIDs: Set<UInt32> = [], createGIDs: Set<UInt32> = [],
        locksPerClientMax: Int = Limits.locksPerClientMax, clientOutputBytesMax: Int = Limits.clientOutputBytesMax,
        configurationText: String = "", locksPerLockspaceMax: Int = Limits.locksPerLockspaceMax
    ) {
        self.nodeID = nodeID
        self.clusterName = clusterName
        self.createUIDs = createUIDs
        self.createGIDs = createGIDs
        self.locksPerClientMax = locksPerClientMax
        self.locksPerLockspaceMax = locksPerLockspaceMax
        self.clientOutputBytesMax = clientOutputBytesMax
        self.configurationText = configurationText
    }
}
