// dlmd — DLMNemesis: one bounded nemesis run: cluster up, workers and faults for `duration`, heal,
// final round, stop, check.

import DLMCore
import Dispatch
import Foundation
import Glibc

/// Everything a run needs.
public struct RunSettings: Sendable {
    public var nodes = 3
    public var seed: UInt64 = 1
    public var duration = 30.0
    public var workersPerNode = 2
    public var resources = 3
    public var faults: [FaultKind] = FaultKind.survivable
    /// Bound for each lock of the final round.
    public var finalBound = 15.0
    public var dlmdPath = ""
    /// Run directory; nil: a fresh `mkdtemp` directory, removed after a passing run.
    public var directory: String?
    public var worker = WorkerSettings()

    public init() {}
}

/// What a run produced.
public struct RunSummary: Sendable {
    public var report: CheckReport
    public var faults: [FaultKind: Int]
    /// Nodes restarted after the cluster fenced them.
    public var fencedRestarts = 0
    public var journal: [String]
    public var directory: String
    public var seconds: Double
}

/// Runs one nemesis test. Every process it starts is stopped by PID before `execute` returns; the
/// signal handler installed by `dlm-nemesis` uses `NemesisRun.killActive()`.
public final class NemesisRun: @unchecked Sendable {
    let settings: RunSettings
    private let stopLock = NSLock()
    private var stopping = false

    nonisolated(unsafe) private static var active: NodeProcesses?
    private static let activeLock = NSLock()

    public init(settings: RunSettings) { self.settings = settings }

    /// SIGKILL to every dlmd of the run in progress (for signal handlers).
    public static func killActive() { activeLock.withLock { active }?.killAllNow() }

    /// Runs and checks; throws only when the cluster cannot be set up.
    public func execute() throws -> RunSummary {
        let began = monotonicNanoseconds()
        let directory = try settings.directory ?? Self.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cluster = try NodeProcesses(
            settings: ClusterSettings(nodes: settings.nodes, dlmdPath: settings.dlmdPath, directory: directory))
        Self.activeLock.withLock { Self.active = cluster }
        defer {
            cluster.stopAll()
            Self.activeLock.withLock { Self.active = nil }
        }
        try cluster.startAll()
        let history = try HistoryLog(path: directory + "/history.log")
        let workers = makeWorkers(cluster: cluster, history: history)
        let nemesis = Nemesis(cluster: cluster, kinds: settings.faults, seed: settings.seed)
        let shouldStop: @Sendable () -> Bool = { self.stopLock.withLock { self.stopping } }
        let group = DispatchGroup()
        for worker in workers { spawn(group) { worker.run(shouldStop: shouldStop) } }
        spawn(group) { nemesis.run(shouldStop: shouldStop) }
        usleep(UInt32(settings.duration * 1_000_000))
        stopLock.withLock { stopping = true }
        _ = group.wait(timeout: .now() + settings.worker.operationTimeout * 3 + 15)
        heal(cluster)
        try? cluster.waitUntilLinked()
        let finalGroup = DispatchGroup()
        for worker in workers { spawn(finalGroup) { worker.finalRound(bound: self.settings.finalBound) } }
        _ = finalGroup.wait(timeout: .now() + settings.finalBound * Double(settings.resources + 1) * 2)
        let (records, unparsed) = history.read()
        let report = HistoryChecker.check(records, unparsed: unparsed)
        let seconds = Double(monotonicNanoseconds() - began) / 1e9
        return RunSummary(
            report: report, faults: nemesis.injected, fencedRestarts: nemesis.fencedRestarts, journal: nemesis.journal,
            directory: directory, seconds: seconds)
    }

    private func makeWorkers(cluster: NodeProcesses, history: HistoryLog) -> [LockWorker] {
        let resources = (1...settings.resources).map { "hot\($0)" }
        var workers: [LockWorker] = []
        for node in 1...settings.nodes {
            for _ in 0..<settings.workersPerNode {
                let id = workers.count + 1
                workers.append(
                    LockWorker(
                        id: id, node: node, socketPath: cluster.socketPath(node), lockspace: cluster.settings.lockspace,
                        resources: resources, settings: settings.worker, history: history,
                        seed: settings.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(id)))
            }
        }
        return workers
    }

    /// Resumes every node, heals every link, restarts nodes that are down.
    private func heal(_ cluster: NodeProcesses) {
        for proxy in cluster.proxies.values { proxy.heal() }
        for node in 1...settings.nodes {
            if cluster.pid(node) == nil { try? cluster.start(node) } else { cluster.resume(node) }
        }
    }

    private func spawn(_ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        Thread {
            body()
            group.leave()
        }.start()
    }

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/dlm-nemesis-XXXXXX".utf8CString)
        guard let path = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw NemesisError("mkdtemp failed")
        }
        return String(cString: path)
    }
}

extension RunSummary {
    /// The summary table `dlm-nemesis` prints.
    public var table: String {
        var lines = ["dlm-nemesis summary (\(String(format: "%.1f", seconds)) s, run directory \(directory))"]
        lines.append(String(repeating: "-", count: 60))
        lines.append(row("operations", report.operations))
        lines.append(row("  granted", report.granted))
        lines.append(row("  failed with an error", report.failed))
        lines.append(row("critical sections checked", report.holds))
        lines.append(row("  fenced out (stale holder refused)", report.fencedOut))
        lines.append(row("resources", report.resources))
        lines.append(row("final-round locks", report.finalAttempts))
        let total = faults.values.reduce(0, +)
        lines.append(row("faults injected", total))
        for kind in FaultKind.allCases where faults[kind] != nil { lines.append(row("  \(kind.rawValue)", faults[kind]!)) }
        lines.append(row("nodes fenced by the cluster (restarted)", fencedRestarts))
        lines.append(row("violations", report.violations.count))
        for kind in Violation.Kind.allCases {
            let count = report.violations.filter { $0.kind == kind }.count
            if count > 0 { lines.append(row("  \(kind.rawValue)", count)) }
        }
        lines.append(String(repeating: "-", count: 60))
        for violation in report.violations.prefix(20) { lines.append("VIOLATION \(violation)") }
        lines.append(report.passed ? "PASS" : "FAIL")
        return lines.joined(separator: "\n")
    }

    private func row(_ label: String, _ value: Int) -> String {
        label.padding(toLength: 40, withPad: " ", startingAt: 0) + String(value)
    }
}
