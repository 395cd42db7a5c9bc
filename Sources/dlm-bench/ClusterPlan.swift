// dlm-bench — the cluster workloads: `remote` (NODIR lockspace mastered on another node than the
// client's) and `lookup` (directory mode, every resource new and directed by another node), each
// measured as lock latency and unlock latency of one libdlm client on node 1.

import Foundation

extension Plan {
    /// Starts the three-node cluster, runs the selected cluster workloads, stops the nodes.
    func runCluster() throws {
        let cluster = try BenchCluster(binary: settings.dlmdBinary)
        defer { cluster.stop() }
        let nodeRunner = ProgramRunner(
            programDirectory: runner.programDirectory, scratch: cluster.directory,
            environment: ["DLMD_SOCKET": cluster.clientSocket])
        if settings.wants("remote") {
            let lockspace = BenchCluster.nodirLockspace
            try warmUp(nodeRunner, lockspace: lockspace)
            let output = try split(nodeRunner, lockspace: lockspace, more: ["--prefix", "remote"])
            emitSplit(output, nodeRunner, workload: "remote")
        }
        if settings.wants("lookup") {
            let lockspace = BenchCluster.directoryLockspace
            try warmUp(nodeRunner, lockspace: lockspace)
            let count = max(BenchLimits.lookupNamesMin, Int(settings.seconds * BenchLimits.lookupNamesPerSecond))
            let names = try BenchCluster.namesDirectedElsewhere(prefix: "lookup", count: count)
            let file = cluster.directory.appendingPathComponent("lookup.names")
            try (names.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            let output = try split(nodeRunner, lockspace: lockspace, more: ["--names", file.path])
            emitSplit(output, nodeRunner, workload: "lookup")
        }
    }

    /// A few hundred pairs first, so peer links and caches are up before anything is measured.
    private func warmUp(_ nodeRunner: ProgramRunner, lockspace: String) throws {
        _ = try nodeRunner.run(
            "loadgen",
            ["--workload", "split", "--lockspace", lockspace, "--prefix", "warm", "--max-ops",
             "\(BenchLimits.clusterWarmUpPairs)", "--seconds", "\(BenchLimits.clusterWarmUpSeconds)"],
            budget: BenchLimits.clusterWarmUpSeconds, sampleFiles: 2)
    }

    private func split(_ nodeRunner: ProgramRunner, lockspace: String, more: [String]) throws -> ProgramRunner.Output {
        try nodeRunner.run(
            "loadgen", ["--workload", "split", "--lockspace", lockspace] + secondsArgument + more,
            budget: settings.seconds * 2, sampleFiles: 2)
    }

    /// Rows `WORKLOAD-lock` (request to grant) and `WORKLOAD-unlock` (request to EUNLOCK).
    private func emitSplit(_ output: ProgramRunner.Output, _ nodeRunner: ProgramRunner, workload: String) {
        for (index, operation) in ["lock", "unlock"].enumerated() {
            var row = nodeRunner.measurement(
                output, workload: "\(workload)-\(operation)", driver: "libdlm-c", unit: operation, histogram: index)
            row.clients = 1
            row.depth = 1
            emit(row)
        }
    }
}
