// dlmd — dlm-sim: replays one seeded cluster schedule (`--seed S`) or runs a batch (`--seeds N`).
//
//     dlm-sim --seed 42 [--nodes 5] [--steps 200] [--resources 3] [--clients 2] [--nodir] [--trace]
//     dlm-sim --seeds 1000 [--first 1] [--faults [--crashes K] [--partitions P]]
//     dlm-sim --seeds 1000 --partitions P          (implies --faults, with --crashes 0 unless given)

import DLMSimulation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Arguments {
    var seed: UInt64?
    var seeds = 0
    var first: UInt64 = 1
    var nodes: Int?
    var steps = 80
    var noDirectory = false
    var trace = false
    var resources = 3
    var clients = 2
    var linkDropPercent = 2
    var replayPercent = 3
    var faults = false
    var crashes: Int?
    var partitions = 0
}

func parse(_ argv: [String]) -> Arguments? {
    var arguments = Arguments()
    var index = 1
    while index < argv.count {
        let flag = argv[index]
        let value = index + 1 < argv.count ? argv[index + 1] : ""
        switch flag {
        case "--seed": arguments.seed = UInt64(value)
        case "--seeds": arguments.seeds = Int(value) ?? 0
        case "--first": arguments.first = UInt64(value) ?? 1
        case "--nodes": arguments.nodes = Int(value)
        case "--steps": arguments.steps = Int(value) ?? arguments.steps
        case "--resources": arguments.resources = Int(value) ?? arguments.resources
        case "--clients": arguments.clients = Int(value) ?? arguments.clients
        case "--link-drops": arguments.linkDropPercent = Int(value) ?? arguments.linkDropPercent
        case "--replays": arguments.replayPercent = Int(value) ?? arguments.replayPercent
        case "--trace":
            arguments.trace = true
            index += 1
            continue
        case "--crashes": arguments.crashes = Int(value)
        case "--partitions":
            arguments.partitions = Int(value) ?? 1
            arguments.faults = true
        case "--faults":
            arguments.faults = true
            index += 1
            continue
        case "--nodir":
            arguments.noDirectory = true
            index += 1
            continue
        default:
            return nil
        }
        index += 2
    }
    return arguments.seed != nil || arguments.seeds > 0 ? arguments : nil
}

func options(seed: UInt64, _ arguments: Arguments) -> SimulationOptions {
    var options = SimulationOptions(seed: seed, nodeCount: arguments.nodes ?? 3 + Int(seed % 5), steps: arguments.steps)
    options.noDirectory = arguments.noDirectory
    options.trace = arguments.trace
    options.resourceCount = arguments.resources
    options.clientsPerNode = arguments.clients
    options.linkDropPercent = arguments.linkDropPercent
    options.replayPercent = arguments.replayPercent
    options.faults = arguments.faults
    options.crashes = arguments.crashes ?? (arguments.partitions > 0 ? 0 : 1)
    options.partitions = arguments.partitions
    return options
}

guard let arguments = parse(CommandLine.arguments) else {
    print("usage: dlm-sim (--seed S | --seeds N [--first S]) [--nodes N] [--steps K] [--resources R] [--clients C] [--link-drops P] [--replays P] [--nodir] [--faults [--crashes K]] [--partitions P] [--trace]")
    exit(2)
}
if let seed = arguments.seed {
    var world = SimulationWorld(options: options(seed: seed, arguments))
    let report = world.run()
    print(report.summary)
    for violation in report.violations { print("  violation: \(violation)") }
    exit(report.passed ? 0 : 1)
}
var failed = 0
for seed in arguments.first..<(arguments.first + UInt64(arguments.seeds)) {
    var world = SimulationWorld(options: options(seed: seed, arguments))
    let report = world.run()
    if !report.passed {
        failed += 1
        print(report.summary)
        for violation in report.violations { print("  violation: \(violation)") }
    }
}
print("seeds=\(arguments.seeds) first=\(arguments.first) failed=\(failed)")
exit(failed == 0 ? 0 : 1)
