// dlmd — DLMNemesis: one line of the nemesis history log (what a worker did, and when) and its text form.

/// One entry of the shared append-only history the workers write and the checker reads.
///
/// Times are `CLOCK_MONOTONIC` nanoseconds of the harness process, so records of every worker compare.
/// The text form is one line of space-separated `key=value` fields after a kind word; it is what
/// `dlm-nemesis` appends to `history.log`, one `write(2)` per line on an `O_APPEND` descriptor.
public enum HistoryRecord: Sendable, Hashable {
    /// A lock operation began (`op`).
    case begin(OperationStart)
    /// A lock operation ended (`done`): granted, or failed with an error.
    case end(OperationEnd)
    /// A worker held EX on a resource from `start` to `end` with fencing token `token` (`hold`):
    /// written under the lock, before the unlock is sent.
    case hold(Hold)
    /// The final after-healing round: whether `worker` got `resource` within the bound (`final`).
    case final(FinalAttempt)

    /// The line written to the log (no newline).
    public var line: String {
        switch self {
        case .begin(let op):
            return "op w=\(op.worker) n=\(op.node) r=\(op.resource) id=\(op.operation) t=\(op.time)"
        case .end(let end):
            return "done w=\(end.worker) id=\(end.operation) outcome=\(end.outcome) t=\(end.time)"
        case .hold(let hold):
            return "hold w=\(hold.worker) n=\(hold.node) r=\(hold.resource) token=\(hold.token) start=\(hold.start) end=\(hold.end)"
                + " accepted=\(hold.accepted ? 1 : 0)"
        case .final(let attempt):
            return "final w=\(attempt.worker) n=\(attempt.node) r=\(attempt.resource) ok=\(attempt.granted ? 1 : 0)"
        }
    }

    /// Parses one line; nil when it is not a record (blank, truncated, unknown kind or missing field).
    public init?(line: Substring) {
        let words = line.split(separator: " ")
        guard let kind = words.first else { return nil }
        var fields: [Substring: Substring] = [:]
        for word in words.dropFirst() {
            guard let equals = word.firstIndex(of: "=") else { return nil }
            fields[word[..<equals]] = word[word.index(after: equals)...]
        }
        func int(_ key: Substring) -> Int? { fields[key].flatMap { Int($0) } }
        func u64(_ key: Substring) -> UInt64? { fields[key].flatMap { UInt64($0) } }
        switch kind {
        case "op":
            guard let w = int("w"), let n = int("n"), let r = fields["r"], let id = int("id"), let t = u64("t") else { return nil }
            self = .begin(OperationStart(worker: w, node: n, resource: String(r), operation: id, time: t))
        case "done":
            guard let w = int("w"), let id = int("id"), let o = fields["outcome"], let t = u64("t") else { return nil }
            self = .end(OperationEnd(worker: w, operation: id, outcome: String(o), time: t))
        case "hold":
            guard let w = int("w"), let n = int("n"), let r = fields["r"], let token = u64("token"),
                let start = u64("start"), let end = u64("end"), let accepted = int("accepted")
            else { return nil }
            self = .hold(
                Hold(worker: w, node: n, resource: String(r), token: token, start: start, end: end, accepted: accepted == 1))
        case "final":
            guard let w = int("w"), let n = int("n"), let r = fields["r"], let ok = int("ok") else { return nil }
            self = .final(FinalAttempt(worker: w, node: n, resource: String(r), granted: ok == 1))
        default:
            return nil
        }
    }

    /// Parses a whole log; lines that are not records are counted in `unparsed`.
    public static func parse(log: String) -> (records: [HistoryRecord], unparsed: Int) {
        var records: [HistoryRecord] = []
        var unparsed = 0
        for line in log.split(separator: "\n", omittingEmptySubsequences: true) {
            if let record = HistoryRecord(line: line) { records.append(record) } else { unparsed += 1 }
        }
        return (records, unparsed)
    }
}

/// `op`: worker `worker` on node `node` asked for EX on `resource`; `operation` is unique per worker.
public struct OperationStart: Sendable, Hashable {
    public var worker: Int
    public var node: Int
    public var resource: String
    public var operation: Int
    public var time: UInt64

    public init(worker: Int, node: Int, resource: String, operation: Int, time: UInt64) {
        self.worker = worker
        self.node = node
        self.resource = resource
        self.operation = operation
        self.time = time
    }
}

/// `done`: how operation `operation` of `worker` ended. `outcome` is `granted`, or `error:<reason>`.
public struct OperationEnd: Sendable, Hashable {
    public var worker: Int
    public var operation: Int
    public var outcome: String
    public var time: UInt64

    public init(worker: Int, operation: Int, outcome: String, time: UInt64) {
        self.worker = worker
        self.operation = operation
        self.outcome = outcome
        self.time = time
    }

    /// Whether the lock was granted.
    public var isGranted: Bool { outcome == "granted" }
}

/// `hold`: an EX critical section.
public struct Hold: Sendable, Hashable {
    public var worker: Int
    public var node: Int
    public var resource: String
    public var token: UInt64
    public var start: UInt64
    public var end: UInt64
    /// Whether the fenced store accepted both writes of this critical section (false: a newer token
    /// wrote meanwhile, so this holder had lost its lock and was fenced out).
    public var accepted: Bool

    public init(worker: Int, node: Int, resource: String, token: UInt64, start: UInt64, end: UInt64, accepted: Bool = true) {
        self.accepted = accepted
        self.worker = worker
        self.node = node
        self.resource = resource
        self.token = token
        self.start = start
        self.end = end
    }
}

/// `final`: one lock attempt of the after-healing round.
public struct FinalAttempt: Sendable, Hashable {
    public var worker: Int
    public var node: Int
    public var resource: String
    public var granted: Bool

    public init(worker: Int, node: Int, resource: String, granted: Bool) {
        self.worker = worker
        self.node = node
        self.resource = resource
        self.granted = granted
    }
}
