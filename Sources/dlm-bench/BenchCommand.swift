// dlm-bench — command line: starts its own dlmd, runs the single-node workloads, the raw ping-pong
// baselines, (with --redis-port) the Redis side-by-side and, on three private nodes, the cluster
// workloads, and prints a table plus JSON lines.

import ArgumentParser
import Foundation

/// `dlm-bench`: dlmd's single-node benchmark (docs/benchmarks.md).
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlm-bench",
        abstract: "Benchmarks a private dlmd against the raw socket round trip (and Redis with --redis-port).")

    @Flag(help: "A few tenths of a second per workload and 5000 held locks (for tests).")
    var quick = false

    @Option(help: "Seconds per workload.")
    var seconds: Double = 3

    @Option(help: "Clients of the pipelined workload.")
    var clients = 16

    @Option(help: "Outstanding requests per pipelined client.")
    var depth = 16

    @Option(help: "Clients of the contended workload.")
    var contendedClients = 16

    @Option(help: "PR readers of the shared workload (plus one EX writer).")
    var sharedReaders = 16

    @Option(help: "Locks the held workload keeps.")
    var hold = 100_000

    @Flag(help: "Hold 10^6 locks instead.")
    var million = false

    @Option(help: "Locks the recovery workload holds across its three nodes (default 10^5; --quick 10^3).")
    var recoveryLocks: Int?

    @Flag(help: "Skip the Swift-client workloads.")
    var noSwift = false

    @Option(help: "Path of dlmd (default: next to dlm-bench).")
    var dlmd: String?

    @Option(help: "Directory of the C programs (pingpong, loadgen, redisgen).")
    var benchDir = "bench/build"

    @Option(help: "Port of a running redis-server on 127.0.0.1 to compare with.")
    var redisPort: Int?

    @Option(help: "Client port of a running etcd on 127.0.0.1 to compare with (bench/etcd.sh).")
    var etcdPort: Int?

    @Option(name: .customLong("zk-port"), help: "Client port of a running ZooKeeper on 127.0.0.1 to compare with (bench/zookeeper.sh).")
    var zooKeeperPort: Int?

    @Option(help: "Comma-separated workload groups to run (default all): \(Plan.workloadNames.joined(separator: ",")). The round trips always run.")
    var workloads: String?

    mutating func run() throws {
        var settings = PlanSettings(
            seconds: quick ? 0.3 : seconds, clients: clients, depth: depth, contendedClients: contendedClients,
            sharedReaders: sharedReaders, hold: million ? 1_000_000 : (quick ? 5_000 : hold), includeSwift: !noSwift,
            redisPort: redisPort, etcdPort: etcdPort, zooKeeperPort: zooKeeperPort)
        settings.recoveryLocks = recoveryLocks ?? (quick ? BenchLimits.recoveryLocksQuick : BenchLimits.recoveryLocks)
        if let workloads {
            let chosen = Set(workloads.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            let unknown = chosen.subtracting(Plan.workloadNames)
            guard unknown.isEmpty else {
                throw ValidationError("unknown workloads: \(unknown.sorted().joined(separator: ", "))")
            }
            settings.workloads = chosen
        }
        Watchdog.arm(seconds: runBound(settings))
        let binary = dlmd ?? (URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path + "/dlmd")
        settings.dlmdBinary = binary
        let daemon = try Daemon(binary: binary)
        defer { daemon.stop() }
        let report = Report()
        let runner = ProgramRunner(
            programDirectory: benchDir, scratch: daemon.directory, environment: ["DLMD_SOCKET": daemon.socketPath])
        print("# dlm-bench: dlmd \(binary) pid \(daemon.pid), \(settings.seconds) s per workload")
        try Plan(settings: settings, runner: runner, daemon: daemon, emit: report.add).run()
        print("\n" + report.table())
        let targets = report.targetReport()
        if !targets.json.isEmpty {
            print("\n" + targets.table)
            for line in targets.json { print(line) }
        }
    }

    /// The longest the whole run may take: every workload's budget plus holding, with slack.
    private func runBound(_ settings: PlanSettings) -> Double {
        let workloads = 24.0
        let cluster = 3 * BenchLimits.startupSeconds + 2 * BenchLimits.clusterWarmUpSeconds
        let recovery = 3 * BenchLimits.startupSeconds + BenchLimits.recoveryBoundSeconds
            + Double(settings.recoveryLocks) / BenchLimits.recoveryMinimumAcquirePerSecond
        return 60 + 2 * cluster + recovery + workloads * settings.seconds * 3 + Double(settings.hold) / 2_000
    }
}
