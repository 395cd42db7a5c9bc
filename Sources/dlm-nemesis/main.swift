// dlmd — dlm-nemesis: fault injection against real dlmd processes on loopback (docs/nemesis.md).

import ArgumentParser
import DLMNemesis
import Dispatch
import Foundation
import Glibc

struct NemesisCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlm-nemesis",
        abstract: "Start a loopback dlmd cluster, run EX workers under faults, check the history."
    )

    @Option(help: "Seconds of workload under faults (the heal and final round come after).")
    var duration: Double = 30
    @Option(help: "Seed of the fault schedule and the workers' choices.")
    var seed: UInt64 = 1
    @Option(help: "Number of dlmd nodes (3 or 5).")
    var nodes: Int = 3
    @Option(help: "Workers per node.")
    var workers: Int = 2
    @Option(help: "Number of hot resources.")
    var resources: Int = 3
    @Option(help: "Fault kinds: comma list of pause-short,pause-long,link-drop,one-way,partition,kill,replay, or survivable / all.")
    var faults: String = "survivable"
    @Option(help: "Seconds a lock request may wait before it is cancelled.")
    var opTimeout: Double = 8
    @Option(help: "Longest critical section, milliseconds (each hold lasts 1 ms … this; longer holds let faults catch holders mid-way).")
    var holdMs: UInt32 = 5
    @Option(help: "Seconds each lock of the after-healing round may take.")
    var finalBound: Double = 15
    @Option(help: "dlmd binary (default: next to this executable).")
    var dlmd: String?
    @Option(help: "Run directory (default: a new /tmp/dlm-nemesis-XXXXXX, removed after a pass).")
    var directory: String?
    @Flag(help: "Print the fault journal.")
    var verbose = false

    func validate() throws {
        guard (2...7).contains(nodes) else { throw ValidationError("--nodes must be 2...7") }
        guard duration > 0, duration <= 3600 else { throw ValidationError("--duration must be in (0, 3600]") }
        guard workers >= 1, resources >= 1 else { throw ValidationError("--workers and --resources must be ≥ 1") }
        guard (1...10_000).contains(holdMs) else { throw ValidationError("--hold-ms must be 1...10000") }
    }

    func run() throws {
        installSignalHandlers()
        var settings = RunSettings()
        settings.nodes = nodes
        settings.seed = seed
        settings.duration = duration
        settings.workersPerNode = workers
        settings.resources = resources
        settings.faults = try FaultKind.parseList(faults)
        settings.finalBound = finalBound
        settings.worker.operationTimeout = opTimeout
        settings.worker.holdMicroseconds = 1_000...max(1_000, holdMs * 1_000)
        settings.directory = directory
        settings.dlmdPath = dlmd ?? Self.siblingDlmd()
        guard FileManager.default.isExecutableFile(atPath: settings.dlmdPath) else {
            throw ValidationError("dlmd not found at \(settings.dlmdPath) (swift build --product dlmd, or --dlmd)")
        }
        print("dlm-nemesis: \(nodes) nodes, seed \(seed), \(duration) s, faults \(settings.faults.map(\.rawValue).joined(separator: ","))")
        let summary = try NemesisRun(settings: settings).execute()
        if verbose || !summary.report.passed { summary.journal.forEach { print("fault \($0)") } }
        print(summary.table)
        if summary.report.passed, directory == nil {
            try? FileManager.default.removeItem(atPath: summary.directory)
        }
        if !summary.report.passed { throw ExitCode(1) }
    }

    static func siblingDlmd() -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("dlmd").path
    }
}

/// SIGINT / SIGTERM: kill the run's dlmd processes (by PID) and exit 130.
nonisolated(unsafe) var signalSources: [DispatchSourceSignal] = []

func installSignalHandlers() {
    for number in [SIGINT, SIGTERM] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            NemesisRun.killActive()
            _exit(130)
        }
        source.resume()
        signalSources.append(source)
    }
}

NemesisCommand.main()
