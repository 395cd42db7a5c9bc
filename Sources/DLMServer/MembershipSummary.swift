// dlmd — DLMServer: the membership facts `dlm_tool status` and the sd_notify STATUS line show.

import DLMCore

/// One node's view of the cluster at an instant.
public struct MembershipSummary: Sendable, Equatable {
    /// The committed view's generation (0: none yet).
    public var generation: UInt64
    /// The committed view's members, `node#incarnation`, sorted.
    public var members: [String]
    /// Whether this node's live set is quorate.
    public var quorate: Bool
    /// Departed members not confirmed fenced yet (`node#incarnation`).
    public var awaitingFencing: [String]
    /// Lockspaces not running, by name: `stopped`, `recovering` or `inquorate`.
    public var lockspacePhases: [String: String]
    /// Recoveries finished since start.
    public var recoveries: Int

    /// `running`, or the most severe phase of any lockspace.
    public var state: String {
        if generation == 0 { return "joining" }
        if !quorate || lockspacePhases.values.contains("inquorate") { return "inquorate" }
        if !awaitingFencing.isEmpty { return "fencing" }
        if lockspacePhases.values.contains("stopped") { return "stopped" }
        if lockspacePhases.values.contains("recovering") { return "recovering" }
        return "running"
    }

    /// The sd_notify STATUS= fragment: `view 4 members 3 running` / `… fencing 3#17`.
    public var statusLine: String {
        var line = "view \(generation) members \(members.count) \(state)"
        if !awaitingFencing.isEmpty { line += " waiting for fencing of \(awaitingFencing.joined(separator: ","))" }
        return line
    }
}
