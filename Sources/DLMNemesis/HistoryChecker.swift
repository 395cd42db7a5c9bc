// dlmd — DLMNemesis: the checker that proves a nemesis history safe and live (pure code, no I/O).

/// One thing the checker found wrong.
public struct Violation: Sendable, Hashable, CustomStringConvertible {
    /// The property broken.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Two EX critical sections on one resource overlapped in time.
        case overlap
        /// A token did not strictly grow in grant order on one resource (or was 0).
        case tokenOrder = "token-order"
        /// An operation began and never ended (neither granted nor failed).
        case lostOperation = "lost-operation"
        /// A lock of the final after-healing round was not granted within the bound.
        case stuck
        /// A hold record without a granted operation, or a malformed log line.
        case malformed
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}

/// What the checker counted and found.
public struct CheckReport: Sendable {
    public var operations = 0
    public var granted = 0
    public var failed = 0
    public var holds = 0
    /// Critical sections the fenced store refused (a holder that had lost its lock).
    public var fencedOut = 0
    public var finalAttempts = 0
    public var resources = 0
    public var violations: [Violation] = []

    public init() {}

    /// Whether the history passed every check.
    public var passed: Bool { violations.isEmpty }
}

/// Checks a history: mutual exclusion, token order, no lost operation, nothing stuck after healing.
public enum HistoryChecker {
    /// Runs every check over `records`. `unparsed` counts log lines that were not records (each is a
    /// `malformed` violation: a torn append would hide a critical section).
    public static func check(_ records: [HistoryRecord], unparsed: Int = 0) -> CheckReport {
        var report = CheckReport()
        var starts: [OperationKey: OperationStart] = [:]
        var ends: [OperationKey: OperationEnd] = [:]
        var holds: [String: [Hold]] = [:]
        var finals: [FinalAttempt] = []
        for record in records {
            switch record {
            case .begin(let op): starts[OperationKey(worker: op.worker, operation: op.operation)] = op
            case .end(let end): ends[OperationKey(worker: end.worker, operation: end.operation)] = end
            case .hold(let hold): holds[hold.resource, default: []].append(hold)
            case .final(let attempt): finals.append(attempt)
            }
        }
        if unparsed > 0 { report.violations.append(Violation(.malformed, "\(unparsed) log lines are not records")) }
        report.operations = starts.count
        report.granted = ends.values.filter(\.isGranted).count
        report.failed = ends.count - report.granted
        report.holds = holds.values.reduce(0) { $0 + $1.count }
        report.fencedOut = holds.values.reduce(0) { $0 + $1.filter { !$0.accepted }.count }
        report.resources = holds.count
        report.finalAttempts = finals.count
        report.violations += lostOperations(starts: starts, ends: ends)
        for (resource, list) in holds.sorted(by: { $0.key < $1.key }) {
            report.violations += exclusion(resource: resource, holds: list)
        }
        for attempt in finals where !attempt.granted {
            report.violations.append(
                Violation(.stuck, "worker \(attempt.worker) on node \(attempt.node) did not get \(attempt.resource) after healing"))
        }
        return report
    }

    /// Every `op` needs a `done`; every `done` needs its `op`.
    static func lostOperations(
        starts: [OperationKey: OperationStart], ends: [OperationKey: OperationEnd]
    ) -> [Violation] {
        var violations: [Violation] = []
        for (key, op) in starts.sorted(by: { $0.key < $1.key }) where ends[key] == nil {
            violations.append(
                Violation(.lostOperation, "worker \(op.worker) operation \(op.operation) on \(op.resource) never ended"))
        }
        for key in ends.keys.sorted() where starts[key] == nil {
            violations.append(Violation(.malformed, "worker \(key.worker) operation \(key.operation) ended without beginning"))
        }
        return violations
    }

    /// Every hold needs a token. Among the holds the fenced store accepted, sorted by start (the grant
    /// order of non-overlapping EX holds): each must start after every earlier one ended and carry a
    /// token above every earlier one. Refused holds (stale holders fenced out) take no part.
    static func exclusion(resource: String, holds: [Hold]) -> [Violation] {
        var violations: [Violation] = []
        for hold in holds where !hold.accepted && hold.token == 0 {
            violations.append(Violation(.tokenOrder, "\(resource): worker \(hold.worker) got no fencing token"))
        }
        let ordered = holds.filter(\.accepted).sorted { ($0.start, $0.end, $0.worker) < ($1.start, $1.end, $1.worker) }
        var latestEnd: Hold?
        var highestToken: Hold?
        for hold in ordered {
            if hold.end < hold.start {
                violations.append(Violation(.malformed, "\(resource): worker \(hold.worker) hold ends before it starts"))
            }
            if let previous = latestEnd, hold.start < previous.end {
                violations.append(
                    Violation(
                        .overlap,
                        "\(resource): worker \(hold.worker)@node\(hold.node) [\(hold.start), \(hold.end)] overlaps worker "
                            + "\(previous.worker)@node\(previous.node) [\(previous.start), \(previous.end)]"))
            }
            if hold.token == 0 {
                violations.append(Violation(.tokenOrder, "\(resource): worker \(hold.worker) got no fencing token"))
            } else if let previous = highestToken, hold.token <= previous.token {
                violations.append(
                    Violation(
                        .tokenOrder,
                        "\(resource): token \(hold.token) (worker \(hold.worker)) after \(previous.token) (worker \(previous.worker))"))
            }
            if latestEnd.map({ hold.end > $0.end }) ?? true { latestEnd = hold }
            if hold.token != 0, highestToken.map({ hold.token > $0.token }) ?? true { highestToken = hold }
        }
        return violations
    }
}

/// Identifies one operation: operation ids are unique per worker.
struct OperationKey: Hashable, Comparable {
    var worker: Int
    var operation: Int

    static func < (lhs: OperationKey, rhs: OperationKey) -> Bool { (lhs.worker, lhs.operation) < (rhs.worker, rhs.operation) }
}
