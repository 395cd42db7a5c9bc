// dlmd — DLMWire: bounds of the node-to-node protocol, kept with the other limits under `Limits`.

import DLMCore

extension Limits {
    /// Entries a STATUS_REPLY slot table may carry (one per member).
    public static let recoverySlotsMax = 1024
    /// Unacknowledged sequenced frames a reliable session keeps per peer before refusing more.
    public static let peerSendQueueDepthMax = 65536
    /// Frames delivered without sending anything back before a bare ACK is due.
    public static let peerAckEveryFrames = 32
    /// Members a membership view (VIEW_STOP, VIEW_COMMIT) may list.
    public static let viewMembersMax = 1024
}
