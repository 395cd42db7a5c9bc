// dlm-bench — the `recovery` workload: three private nodes (failure detection with the default
// heartbeat_interval/failure_timeout, a fence_all agent that succeeds at once) hold N locks between
// them, each node mastering its own third (a libdlm holder per node, `loadgen --workload keep`);
// node 3 also holds EX on `hot`, which a client on node 1 waits for. Node 3 is killed with SIGKILL
// (its own PID); the rows are the time from the kill until node 1 shows the view change, until
// every lockspace on both survivors runs again, and until node 1's waiter is granted.

import Foundation

extension Plan {
    /// Runs the recovery scenario once on a cluster of its own and emits its three rows.
    func runRecovery() throws {
        let cluster = try BenchCluster(
            binary: settings.dlmdBinary,
            extraLines: [
                "heartbeat_interval=\(BenchLimits.recoveryHeartbeatMilliseconds)",
                "failure_timeout=\(BenchLimits.recoveryFailureTimeoutMilliseconds)",
            ],
            instantFencing: true, logLevel: "notice")
        defer { cluster.stop() }
        let holders = try RecoveryHolders(
            cluster: cluster, programDirectory: runner.programDirectory, total: settings.recoveryLocks)
        defer { holders.stop() }
        let waiter = try RecoveryWaiter(socketPath: cluster.clientSocket, lockspace: BenchCluster.directoryLockspace)
        defer { waiter.close() }
        // The waiter's request is accepted by node 1 at once; give it time to queue at node 3.
        usleep(UInt32(BenchLimits.recoveryQueueSeconds * 1e6))
        guard waiter.grantedAt == nil else { throw BenchError(description: "the waiter was granted before the crash") }
        let timeline: RecoveryTimeline
        do {
            timeline = try RecoveryTimeline.measure(cluster: cluster, waiter: waiter, victim: BenchCluster.nodes[2])
        } catch {
            Plan.printRecoveryLog(cluster, everything: true)
            throw error
        }
        var extra: [String: Double] = [
            "held": Double(holders.total),
            "acquire_seconds": holders.acquireSeconds,
            "heartbeat_interval_ms": Double(BenchLimits.recoveryHeartbeatMilliseconds),
            "failure_timeout_ms": Double(BenchLimits.recoveryFailureTimeoutMilliseconds),
        ]
        for (key, value) in timeline.fields { extra[key] = value }
        Plan.printRecoveryLog(cluster)
        for (workload, unit, seconds) in [
            ("recovery-detect", "kill→view change", timeline.detection),
            ("recovery-running", "kill→all running", timeline.running),
            ("recovery-grant", "kill→waiter granted", timeline.granted),
        ] {
            emit(Plan.singleSample(workload: workload, unit: unit, seconds: seconds, extra: extra))
        }
    }

    /// The survivors' notice lines about the view change and recovery (`everything`: their last
    /// `BenchLimits.recoveryLogLines` log lines, for a failed run), as `#` comments.
    static func printRecoveryLog(_ cluster: BenchCluster, everything: Bool = false) {
        let milestones = ["view change", "view committed", "recovery", "fenc"]
        for (node, daemon) in zip(BenchCluster.nodes, cluster.daemons).dropLast() {
            let lines = daemon.child.log.split(separator: "\n")
            let shown = everything
                ? Array(lines.suffix(BenchLimits.recoveryLogLines))
                : lines.filter { line in milestones.contains(where: { line.contains($0) }) }
            for line in shown { print("# node \(node): \(line)") }
        }
    }

    /// A row holding one measured interval (ops 1, its latency the interval).
    static func singleSample(workload: String, unit: String, seconds: Double, extra: [String: Double]) -> Measurement {
        var histogram = Measurement.makeHistogram()
        _ = histogram.record(min(max(UInt64(seconds * 1e9), 1), BenchLimits.histogramMaxNanoseconds))
        return Measurement(
            workload: workload, driver: "dlmd", unit: unit, clients: 1, depth: 1, operations: 1, seconds: seconds,
            histogram: histogram, extra: extra)
    }
}

/// One libdlm holder process per node, each keeping its share of the locks (and node 3 `hot`).
final class RecoveryHolders {
    /// Locks held over all nodes (node `i` holds `total / 3`, plus one for the first `total % 3`).
    let total: Int
    /// The slowest holder's acquisition time.
    private(set) var acquireSeconds = 0.0
    private var children: [ManagedProcess] = []

    /// Starts the holders and waits until each has all its locks; throws if one fails or runs over.
    init(cluster: BenchCluster, programDirectory: String, total: Int) throws {
        self.total = total
        let count = BenchCluster.nodes.count
        var readyFiles: [URL] = []
        do {
            for (index, node) in BenchCluster.nodes.enumerated() {
                let share = total / count + (index < total % count ? 1 : 0)
                let ready = cluster.directory.appendingPathComponent("keep\(node).ready")
                readyFiles.append(ready)
                var arguments = [
                    "--workload", "keep", "--lockspace", BenchCluster.directoryLockspace, "--hold", "\(share)",
                    "--prefix", "r\(node)", "--ready", ready.path,
                ]
                if index == BenchCluster.nodes.count - 1 { arguments += ["--hot", RecoveryWaiter.hotName] }
                children.append(try ManagedProcess(
                    binary: programDirectory + "/loadgen", arguments: arguments,
                    environment: ["DLMD_SOCKET": cluster.daemons[index].socketPath],
                    logFile: cluster.directory.appendingPathComponent("keep\(node).log")))
            }
            try waitUntilReady(readyFiles)
        } catch {
            stop()
            throw error
        }
    }

    private func waitUntilReady(_ files: [URL]) throws {
        let deadline = Date().addingTimeInterval(
            BenchLimits.startupSeconds + Double(total) / BenchLimits.recoveryMinimumAcquirePerSecond)
        var pending = Set(files.indices)
        while !pending.isEmpty {
            for index in pending {
                guard children[index].process.isRunning else {
                    throw BenchError(description: "loadgen keep on node \(index + 1) exited: \(children[index].log)")
                }
                guard let data = try? Data(contentsOf: files[index]),
                    let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                else { continue }
                acquireSeconds = max(acquireSeconds, (object["acquire_seconds"] as? NSNumber)?.doubleValue ?? 0)
                pending.remove(index)
            }
            guard Date() < deadline else { throw BenchError(description: "the recovery holders did not get their locks in time") }
            usleep(20_000)
        }
    }

    /// Stops every holder that is still running, by PID.
    func stop() {
        for child in children { child.stop() }
        children = []
    }

    deinit { stop() }
}
