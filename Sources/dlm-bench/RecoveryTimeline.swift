// dlm-bench — what the recovery workload watches: node status reports polled every few ms (view
// change seen, every lockspace running again) and a client on node 1 blocked on `hot` until granted.

import DLM
import Foundation

/// The parts of a node's `status` report the recovery workload reads.
struct NodeStatus {
    var state = ""
    var generation: UInt64 = 0
    var members = ""
    /// The `state` of every `lockspace NAME state S ...` line.
    var lockspaceStates: [String] = []

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard let key = words.first else { continue }
            switch key {
            case "state": state = words.dropFirst().joined(separator: " ")
            case "generation": generation = UInt64(words.dropFirst().first ?? "") ?? 0
            case "members": members = words.dropFirst().joined(separator: " ")
            case "lockspace":
                if let at = words.firstIndex(of: "state"), at + 1 < words.count { lockspaceStates.append(words[at + 1]) }
            default: break
            }
        }
    }

    /// The node's status now, or nil when it does not answer.
    static func query(_ socketPath: String) -> NodeStatus? {
        (try? DLMAdmin.query(.status, socketPath: socketPath)).map(NodeStatus.init)
    }

    /// Whether this node runs a view newer than `generation` with `members`, every lockspace running.
    func runs(after generation: UInt64, members expected: String) -> Bool {
        state == "running" && self.generation > generation && members == expected
            && !lockspaceStates.isEmpty && lockspaceStates.allSatisfy { $0 == "running" }
    }
}

/// A client on node 1 waiting (in `lockWait`, on its own thread) for EX on `hot`.
final class RecoveryWaiter: @unchecked Sendable {
    /// The resource node 3 holds in EX and the waiter asks for.
    static let hotName = "hot"
    private let handle: Lockspace
    private let condition = NSCondition()
    private var grantTime: UInt64?
    private var failure: String?

    /// Opens the lockspace on `socketPath` and starts the blocked request.
    init(socketPath: String, lockspace: String) throws {
        handle = try DLM.openLockspace(lockspace, socketPath: socketPath)
        let thread = Thread { [self] in waitForGrant() }
        thread.start()
    }

    private func waitForGrant() {
        let block = LockStatusBlock()
        var outcome: String?
        do {
            try handle.lockWait(mode: .ex, statusBlock: block, name: RecoveryWaiter.hotName)
            if block.status != 0 { outcome = "status \(block.status)" }
        } catch {
            outcome = "\(error)"
        }
        let time = now()
        condition.lock()
        grantTime = time
        failure = outcome
        condition.broadcast()
        condition.unlock()
    }

    /// Monotonic nanoseconds of the grant (or of the failure), nil while still waiting.
    var grantedAt: UInt64? {
        condition.lock()
        defer { condition.unlock() }
        return grantTime
    }

    /// Why the wait did not end in a grant, if it did not.
    var failureReason: String? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    /// Closes the handle (its lock, if granted, is released by the daemon).
    func close() { handle.close() }
}

/// The measured intervals after the kill, in seconds.
struct RecoveryTimeline {
    var detection: Double
    var running: Double
    var granted: Double

    /// The JSON extras every recovery row carries.
    var fields: [String: Double] {
        ["detect_s": detection, "running_s": running, "granted_s": granted, "granted_after_detect_s": granted - detection]
    }

    /// Kills `victim`, then polls node 1 and the other survivors until every lockspace runs in a new
    /// view and the waiter is granted (bounded by `BenchLimits.recoveryBoundSeconds`).
    static func measure(cluster: BenchCluster, waiter: RecoveryWaiter, victim: UInt32) throws -> RecoveryTimeline {
        let survivors = zip(BenchCluster.nodes, cluster.daemons).filter { $0.0 != victim }.map { $0.1.socketPath }
        let expected = BenchCluster.nodes.filter { $0 != victim }.map(String.init).joined(separator: " ")
        guard let before = NodeStatus.query(survivors[0]), before.state == "running" else {
            throw BenchError(description: "node 1 is not running before the crash")
        }
        let killed = now()
        cluster.crash(node: victim)
        var detected: UInt64?
        var running: UInt64?
        let deadline = killed + UInt64(BenchLimits.recoveryBoundSeconds * 1e9)
        while now() < deadline {
            let first = NodeStatus.query(survivors[0])
            if detected == nil, let first, first.state != "running" || first.generation != before.generation {
                detected = now()
            }
            if running == nil, detected != nil,
                survivors.allSatisfy({ NodeStatus.query($0)?.runs(after: before.generation, members: expected) == true })
            {
                running = now()
            }
            if running != nil, waiter.grantedAt != nil { break }
            usleep(UInt32(BenchLimits.recoveryPollSeconds * 1e6))
        }
        if let reason = waiter.failureReason { throw BenchError(description: "the waiter was not granted: \(reason)") }
        guard let detected, let running, let granted = waiter.grantedAt else {
            let seen = "detected \(detected != nil), all running \(running != nil), granted \(waiter.grantedAt != nil)"
            let reports = survivors.map { (try? DLMAdmin.query(.status, socketPath: $0)) ?? "no answer" }
            throw BenchError(description: "no recovery within \(BenchLimits.recoveryBoundSeconds) s of the kill (\(seen)); "
                + "survivors' status:\n" + reports.joined(separator: "\n--\n"))
        }
        func seconds(_ time: UInt64) -> Double { Double(time - killed) / 1e9 }
        return RecoveryTimeline(detection: seconds(detected), running: seconds(running), granted: seconds(granted))
    }
}
