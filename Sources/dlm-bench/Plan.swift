// dlm-bench — the sequence of workloads one run measures, each bounded in time.

import Foundation

/// The parameters of one run.
struct PlanSettings {
    var seconds: Double
    var clients: Int
    var depth: Int
    var contendedClients: Int
    var sharedReaders: Int
    var hold: Int
    /// Locks the recovery workload holds across its three nodes.
    var recoveryLocks = BenchLimits.recoveryLocks
    var includeSwift: Bool
    var redisPort: Int?
    /// Client port of a private etcd on 127.0.0.1 (bench/etcd.sh), for the etcd rows.
    var etcdPort: Int?
    /// Client port of a private ZooKeeper on 127.0.0.1 (bench/zookeeper.sh), for the ZooKeeper rows.
    var zooKeeperPort: Int?
    /// Selected workload groups (`Plan.workloadNames`); the round trips always run.
    var workloads: Set<String> = Set(Plan.workloadNames)
    /// The dlmd binary (the cluster workloads start their own nodes).
    var dlmdBinary = ""

    func wants(_ name: String) -> Bool { workloads.contains(name) }
}

/// Runs every workload against one daemon and collects the measurements.
struct Plan {
    let settings: PlanSettings
    let runner: ProgramRunner
    let daemon: Daemon
    /// Called with each measurement as soon as it exists.
    let emit: (Measurement) -> Void

    /// Every workload group `--workloads` accepts, in run order.
    static let workloadNames = [
        "local", "pipelined", "contended", "shared", "held", "raw", "swift", "redis", "etcd", "zookeeper",
        "remote", "lookup", "recovery",
    ]

    func run() throws {
        for transport in ["unix", "tcp"] { emit(try roundTrip(transport)) }
        try runLibdlm()
        if settings.wants("raw") { try runRawProtocol() }
        if settings.includeSwift && settings.wants("swift") {
            let swift = SwiftWorkloads(socketPath: daemon.socketPath, seconds: settings.seconds)
            emit(try swift.local())
            emit(try swift.pipelined(clients: settings.clients, depth: settings.depth))
            emit(try swift.contended(clients: settings.contendedClients))
        }
        if let port = settings.redisPort, settings.wants("redis") {
            try runCompared(program: "redisgen", driver: "redis-c", port: port, clientRoundTrip: false)
        }
        if let port = settings.etcdPort, settings.wants("etcd") {
            try runCompared(program: "etcdgen.py", driver: "etcd-py", port: port, clientRoundTrip: true)
        }
        if let port = settings.zooKeeperPort, settings.wants("zookeeper") {
            try runCompared(program: "zkgen.py", driver: "zk-py", port: port, clientRoundTrip: true)
        }
        if settings.wants("remote") || settings.wants("lookup") { try runCluster() }
        if settings.wants("recovery") {
            // A recovery that overruns its bound is a finding, not a reason to lose the other rows.
            do { try runRecovery() } catch { print("# recovery: FAILED: \(error)") }
        }
    }

    var secondsArgument: [String] { ["--seconds", String(settings.seconds)] }

    private func roundTrip(_ transport: String) throws -> Measurement {
        let output = try runner.run(
            "pingpong",
            ["--transport", transport, "--req", "\(BenchLimits.requestBytes)", "--resp", "\(BenchLimits.responseBytes)"]
                + secondsArgument, budget: settings.seconds)
        var result = runner.measurement(output, workload: "roundtrip", driver: "raw-\(transport)", unit: "round trip")
        result.clients = 1
        result.depth = 1
        result.extra = ["req_bytes": Double(BenchLimits.requestBytes), "resp_bytes": Double(BenchLimits.responseBytes)]
        return result
    }

    func loadgen(_ workload: String, clients: Int, depth: Int, files: Int = 1, more: [String] = []) throws
        -> ProgramRunner.Output
    {
        try runner.run(
            "loadgen",
            ["--workload", workload, "--lockspace", BenchLimits.lockspace, "--clients", "\(clients)", "--depth", "\(depth)"]
                + secondsArgument + more, budget: settings.seconds * 2 + Double(settings.hold) / 5_000, sampleFiles: files)
    }

    private func runLibdlm() throws {
        let driver = "libdlm-c"
        if settings.wants("local") {
            let local = try loadgen("local", clients: 1, depth: 1)
            emit(runner.measurement(local, workload: "local", driver: driver, unit: "pair"))
        }
        if settings.wants("pipelined") {
            let piped = try loadgen("pipelined", clients: settings.clients, depth: settings.depth)
            emit(runner.measurement(piped, workload: "pipelined", driver: driver, unit: "pair"))
        }
        if settings.wants("contended") {
            let hot = try loadgen("contended", clients: settings.contendedClients, depth: 1)
            emit(runner.measurement(hot, workload: "contended", driver: driver, unit: "grant"))
        }
        if settings.wants("shared") {
            let shared = try loadgen("shared", clients: settings.sharedReaders, depth: 1, files: 2)
            emit(runner.measurement(shared, workload: "shared", driver: driver, unit: "PR pair"))
            var writer = runner.measurement(shared, workload: "shared-writer", driver: driver, unit: "EX grant", histogram: 1)
            writer.operations = UInt64(shared.number("writer_ops"))
            writer.clients = 1
            emit(writer)
        }
        if settings.wants("held") { try runHeld(driver: driver) }
    }

    private func runHeld(driver: String) throws {
        let held = try loadgen(
            "held", clients: 1, depth: 1, files: 2, more: ["--hold", "\(settings.hold)", "--dlmd-pid", "\(daemon.pid)"])
        let keys = ["held", "rss_before_kb", "rss_after_kb", "bytes_per_lock", "acquire_per_second", "release_stall_seconds"]
        var few = runner.measurement(held, workload: "held-1e3", driver: driver, unit: "pair")
        few.operations = UInt64(held.number("small_ops"))
        few.seconds = held.number("small_seconds")
        few.extra = ["held": held.number("held_small")]
        few.clients = 1
        few.depth = 1
        emit(few)
        var many = runner.measurement(held, workload: "held", driver: driver, unit: "pair", histogram: 1)
        many.clients = 1
        many.depth = 1
        for key in keys { many.extra[key] = held.number(key) }
        emit(many)
    }

    /// The daemon without a client library: bench/rawgen pipelines frames itself, as a Redis client does.
    private func runRawProtocol() throws {
        for (workload, clients, depth) in [("local", 1, 1), ("pipelined", settings.clients, settings.depth)] {
            let output = try runner.run(
                "rawgen",
                ["--socket", daemon.socketPath, "--lockspace", BenchLimits.lockspace, "--clients", "\(clients)",
                 "--depth", "\(depth)"] + secondsArgument, budget: settings.seconds)
            emit(runner.measurement(output, workload: workload, driver: "raw-proto-c", unit: "pair"))
        }
    }

    /// Another lock service doing the same jobs (redisgen in C with hiredis; etcdgen.py and zkgen.py
    /// in Python, which also measure their client's own round trip: one no-op request).
    private func runCompared(program: String, driver: String, port: Int, clientRoundTrip: Bool) throws {
        var shapes: [(String, Int, Int, String)] = [
            ("local", 1, 1, "pair"), ("pipelined", settings.clients, settings.depth, "pair"),
            ("contended", settings.contendedClients, 1, "grant"),
        ]
        if clientRoundTrip { shapes.insert(("roundtrip", 1, 1, "round trip"), at: 0) }
        for (workload, clients, depth, unit) in shapes {
            let output = try runner.run(
                program,
                ["--port", "\(port)", "--workload", workload, "--clients", "\(clients)", "--depth", "\(depth)"]
                    + secondsArgument, budget: settings.seconds * 2)
            var result = runner.measurement(output, workload: workload, driver: driver, unit: unit)
            if let attempts = output.fields["attempts"] as? NSNumber { result.extra["set_nx_attempts"] = attempts.doubleValue }
            emit(result)
        }
    }
}
