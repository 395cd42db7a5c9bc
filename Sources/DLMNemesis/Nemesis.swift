// dlmd — DLMNemesis: the seeded fault injector.

import DLMCore
import Foundation
import Glibc

/// A kind of fault.
public enum FaultKind: String, Sendable, Hashable, CaseIterable {
    /// SIGSTOP a node for less than the failure timeout, then SIGCONT.
    case pauseShort = "pause-short"
    /// SIGSTOP a node for longer than the failure timeout, then SIGCONT.
    case pauseLong = "pause-long"
    /// Close one link's live connections (the dialer reconnects).
    case linkDrop = "link-drop"
    /// Hold one direction of one link, then heal.
    case oneWay = "one-way"
    /// Cut one node from every other (both directions, new connections refused), then heal.
    case partition
    /// kill -9 a node and restart it.
    case kill
    /// Duplicate a peer frame and replay an older one on one link.
    case replay

    /// The faults the daemon survives without membership recovery (static membership).
    public static let survivable: [FaultKind] = [.pauseShort, .linkDrop, .oneWay, .partition, .replay]

    /// Parses a comma-separated list (`all`, `survivable`, or kind names).
    public static func parseList(_ text: String) throws -> [FaultKind] {
        var kinds: [FaultKind] = []
        for word in text.split(separator: ",") {
            switch word {
            case "all": kinds += allCases
            case "survivable": kinds += survivable
            default:
                guard let kind = FaultKind(rawValue: String(word)) else { throw NemesisError("unknown fault kind \(word)") }
                kinds.append(kind)
            }
        }
        var seen = Set<FaultKind>()
        return kinds.filter { seen.insert($0).inserted }
    }
}

/// Injects one fault at a time, chosen and timed by a seeded generator, until told to stop; always
/// heals what it broke before returning.
public final class Nemesis: @unchecked Sendable {
    let cluster: NodeProcesses
    let kinds: [FaultKind]
    private var random: SplitMix64
    private let guardLock = NSLock()
    private var counts: [FaultKind: Int] = [:]
    private var restarts = 0
    /// Human-readable fault log lines (`+t.ttt kind detail`).
    public private(set) var journal: [String] = []
    private let started = monotonicNanoseconds()

    public init(cluster: NodeProcesses, kinds: [FaultKind], seed: UInt64) {
        self.cluster = cluster
        self.kinds = kinds
        self.random = SplitMix64(seed: seed ^ 0x6E65_6D65_7369_73)
    }

    /// Faults injected so far, by kind.
    public var injected: [FaultKind: Int] { guardLock.withLock { counts } }

    /// Runs faults until `shouldStop()`, then returns with everything healed.
    public func run(shouldStop: () -> Bool) {
        guard !kinds.isEmpty else { return }
        while !shouldStop() {
            sleep(seconds: Double.random(in: 0.2...1.0, using: &random))
            restartFenced()
            if shouldStop() { break }
            let kind = kinds[Int.random(in: 0..<kinds.count, using: &random)]
            inject(kind)
        }
    }

    private var timeout: Double { Double(cluster.settings.nodeTimeoutMilliseconds) / 1000 }
    private var nodeCount: Int { cluster.settings.nodes }

    private func inject(_ kind: FaultKind) {
        let node = Int.random(in: 1...nodeCount, using: &random)
        var peer = Int.random(in: 1...(nodeCount - 1), using: &random)
        if peer >= node { peer += 1 }
        let proxy = cluster.proxies[NodeProcesses.PairKey(node, peer)]!
        switch kind {
        case .pauseShort:
            let seconds = Double.random(in: 0.1...(timeout * 0.6), using: &random)
            note(kind, "node \(node) \(format(seconds)) s")
            cluster.pause(node)
            sleep(seconds: seconds)
            cluster.resume(node)
        case .pauseLong:
            let seconds = Double.random(in: (timeout * 1.5)...(timeout * 2.5), using: &random)
            note(kind, "node \(node) \(format(seconds)) s")
            cluster.pause(node)
            sleep(seconds: seconds)
            cluster.resume(node)
        case .linkDrop:
            note(kind, "link \(proxy.low)-\(proxy.high)")
            proxy.dropLinks()
        case .oneWay:
            let direction: FaultProxy.Direction = Bool.random(using: &random) ? .forward : .backward
            let seconds = Double.random(in: 0.3...(timeout * 1.5), using: &random)
            let (from, to) = direction == .forward ? (proxy.low, proxy.high) : (proxy.high, proxy.low)
            note(kind, "\(from)->\(to) \(format(seconds)) s")
            proxy.hold([direction])
            sleep(seconds: seconds)
            proxy.heal()
        case .partition:
            let seconds = Double.random(in: 0.3...(timeout * 1.5), using: &random)
            note(kind, "node \(node) isolated \(format(seconds)) s")
            let cut = cluster.proxies.values.filter { $0.low == node || $0.high == node }
            for link in cut { link.partition() }
            sleep(seconds: seconds)
            for link in cut { link.heal() }
        case .kill:
            let seconds = Double.random(in: 0.2...1.0, using: &random)
            note(kind, "node \(node) down \(format(seconds)) s")
            cluster.kill9(node)
            sleep(seconds: seconds)
            try? cluster.start(node)
        case .replay:
            let direction: FaultProxy.Direction = Bool.random(using: &random) ? .forward : .backward
            note(kind, "link \(proxy.low)-\(proxy.high) \(direction)")
            proxy.duplicateNextFrame(direction)
        }
    }

    /// Nodes the cluster fenced (the fence agent killed them) are restarted, as a supervisor would.
    private func restartFenced() {
        for node in cluster.deadNodes {
            let elapsed = Double(monotonicNanoseconds() - started) / 1e9
            guardLock.withLock {
                restarts += 1
                journal.append("+\(format(elapsed)) restart node \(node) (fenced)")
            }
            try? cluster.start(node)
        }
    }

    /// Nodes restarted after the cluster fenced them.
    public var fencedRestarts: Int { guardLock.withLock { restarts } }

    private func note(_ kind: FaultKind, _ detail: String) {
        let elapsed = Double(monotonicNanoseconds() - started) / 1e9
        guardLock.withLock {
            counts[kind, default: 0] += 1
            journal.append("+\(format(elapsed)) \(kind.rawValue) \(detail)")
        }
    }

    private func sleep(seconds: Double) { usleep(UInt32(seconds * 1_000_000)) }
}

func format(_ seconds: Double) -> String { String(format: "%.3f", seconds) }
