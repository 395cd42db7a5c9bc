// dlmd — DLMSimulation: the knobs of one simulated schedule (faults modelled on TigerBeetle's packet
// simulator options: delay, replay, link drops).

import DLMCore

/// Parameters of a simulated run. All randomness comes from `seed`.
public struct SimulationOptions: Sendable {
    public var seed: UInt64
    /// Cluster size (3...7 in the test batch).
    public var nodeCount: Int
    /// Client operations issued before the drain phase.
    public var steps: Int
    /// Client handles per node.
    public var clientsPerNode = 2
    /// Hot resources shared by all clients.
    public var resourceCount = 3
    /// Locks one client may have at once.
    public var locksPerClientMax = 3
    /// NODIR lockspace (static masters) instead of directory mode.
    public var noDirectory = false
    /// One-way message delay range in microseconds.
    public var delayMicrosecondsMax: UInt64 = 400
    /// Percent chance a transmitted frame is also replayed later (the session must drop it).
    public var replayPercent = 3
    /// Percent chance, per client step, that a random link drops and reconnects later.
    public var linkDropPercent = 2
    /// Mean time between one client's actions, in microseconds.
    public var clientThinkMicrosecondsMax: UInt64 = 600
    /// Toss time of inactive resources (short, so REMOVE races happen within a run).
    public var toss: Duration = .microseconds(500)
    /// Percent of new requests with LKF_TIMEOUT (1–3 centiseconds).
    public var timeoutPercent = 5
    /// Test hook: the first grant that shares a resource with another non-NL holder is reported to
    /// the checker as EX, which must be caught as an incompatible grant.
    public var corruptOneGrant = false
    /// Crash/fence/restart faults with membership agents (docs/recovery.md).
    public var faults = false
    /// Crashes scheduled in the active phase when `faults` is on.
    public var crashes = 1
    /// Partitions (symmetric or one-way, healing later) scheduled in the active phase when `faults` is on.
    public var partitions = 0
    /// Prints every call, message and callback (for replaying one seed).
    public var trace = false

    public init(seed: UInt64, nodeCount: Int = 3, steps: Int = 60) {
        self.seed = seed
        self.nodeCount = nodeCount
        self.steps = steps
    }
}
