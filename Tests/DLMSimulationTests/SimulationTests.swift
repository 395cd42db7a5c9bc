// dlmd — DLMSimulationTests: seeded whole-cluster schedules (3–7 nodes, random client calls, message
// delays, replays and link drops through DLMWire and ReliableSession) with the cluster checkers run
// after every step; plus proof that the compatibility checker catches a corrupted grant, and that
// a seed replays identically; crash/fence/restart schedules with membership agents and recovery;
// partition schedules (symmetric and one-way, healing, fencing of isolated nodes); fencing tokens
// that grow per resource across crashes and remastering.

import DLMCore
import DLMSimulation
import Testing

@Suite struct SimulationTests {
    static let chunks = 4
    static let seedsPerChunk = 250
    static let steps = 24
    static let faultSeedsPerChunk = 100
    static let partitionSeedsPerChunk = 250

    /// One schedule; the seed also picks the cluster size (3–7), the number of resources (1–8: few
    /// means contention, many means idle names freed and looked up again, EBADR) and clients (1–3).
    static func run(seed: UInt64, steps: Int = steps, noDirectory: Bool = false) -> SimulationReport {
        var options = SimulationOptions(seed: seed, nodeCount: 3 + Int(seed % 5), steps: steps)
        options.noDirectory = noDirectory
        options.resourceCount = 1 + Int((seed / 5) % 8)
        options.clientsPerNode = 1 + Int((seed / 40) % 3)
        var world = SimulationWorld(options: options)
        return world.run()
    }

    /// 1,000 directory-mode schedules in 4 chunks (run in parallel); every one must pass all checks.
    @Test(arguments: 0..<chunks)
    func directoryModeSchedules(chunk: Int) {
        let first = UInt64(chunk * Self.seedsPerChunk + 1)
        var failures: [String] = []
        var completions = 0
        for seed in first..<(first + UInt64(Self.seedsPerChunk)) {
            let report = Self.run(seed: seed)
            completions += report.completions
            if !report.passed { failures.append(report.summary + " " + report.violations.joined(separator: "; ")) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(completions > Self.seedsPerChunk * 10)
    }

    /// Fault schedules: membership agents, 1–3 node crashes in the active phase, fencing after a
    /// delay, restarts as new incarnations that rejoin; recovery rebuilds master state from holder
    /// copies. After every step no two incompatible grants among the holders' beliefs; at the end all
    /// views agree, every request completed and every table is empty. 4 chunks run in parallel.
    @Test(arguments: 0..<chunks)
    func crashAndRecoverySchedules(chunk: Int) {
        let first = UInt64(20_001 + chunk * Self.faultSeedsPerChunk)
        var failures: [String] = []
        var crashes = 0
        for seed in first..<(first + UInt64(Self.faultSeedsPerChunk)) {
            var options = SimulationOptions(seed: seed, nodeCount: 3 + Int(seed % 5), steps: 40)
            options.faults = true
            options.crashes = 1 + Int((seed / 5) % 3)
            options.noDirectory = seed % 7 == 0
            options.resourceCount = 1 + Int((seed / 3) % 4)
            var world = SimulationWorld(options: options)
            let report = world.run()
            crashes += report.crashes
            if !report.passed { failures.append(report.summary + " " + report.violations.joined(separator: "; ")) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(crashes >= Self.faultSeedsPerChunk)
    }

    /// Partition schedules: 1–3 partitions (symmetric: a minority cut off both ways; one-way: a→b
    /// dropped, b→a delivered) that start in the active phase and heal 3–25 ms later; a node still
    /// cut off when a quorate peer suspects it is fenced (killed, restarted); every third schedule
    /// also crashes a node. Checked: no incompatible grants among live holders, no grant on a node
    /// that is not running (a minority grants nothing), generations only grow, and after the heal
    /// one view, every request completed, every table empty. 1,000 schedules in 4 parallel chunks.
    @Test(arguments: 0..<chunks)
    func partitionSchedules(chunk: Int) {
        let first = UInt64(40_001 + chunk * Self.partitionSeedsPerChunk)
        var failures: [String] = []
        var partitions = 0
        var fenced = 0
        for seed in first..<(first + UInt64(Self.partitionSeedsPerChunk)) {
            var options = SimulationOptions(seed: seed, nodeCount: 3 + Int(seed % 3), steps: Self.steps)
            options.faults = true
            options.crashes = seed % 3 == 0 ? 1 : 0
            options.partitions = 1 + Int((seed / 3) % 3)
            options.noDirectory = seed % 7 == 0
            options.resourceCount = 1 + Int((seed / 5) % 4)
            var world = SimulationWorld(options: options)
            let report = world.run()
            partitions += report.partitions + report.oneWayPartitions
            fenced += report.fencedPartitioned
            if !report.passed { failures.append(report.summary + " " + report.violations.joined(separator: "; ")) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(partitions >= Self.partitionSeedsPerChunk)
        #expect(fenced > 0)
    }

    /// NODIR schedules (static masters, no lookups).
    @Test func noDirectorySchedules() {
        var failures: [String] = []
        for seed in UInt64(5001)...5100 {
            let report = Self.run(seed: seed, noDirectory: true)
            if !report.passed { failures.append(report.summary + " " + report.violations.joined(separator: "; ")) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
    }

    /// Fencing tokens (checked after every grant by the ClusterChecker): across crashes, recovery and
    /// remastering every EX/PW grant's token is above every earlier one of its resource.
    @Test func fencingTokensGrowAcrossCrashesAndRemastering() {
        var failures: [String] = []
        var checked = 0
        for seed in UInt64(9001)...9060 {
            var options = SimulationOptions(seed: seed, nodeCount: 3 + Int(seed % 3), steps: 40)
            options.faults = seed % 2 == 0
            options.crashes = 1 + Int(seed % 2)
            options.resourceCount = 1 + Int(seed % 2)
            var world = SimulationWorld(options: options)
            let report = world.run()
            checked += report.fenceTokensChecked
            if !report.passed { failures.append(report.summary + " " + report.violations.joined(separator: "; ")) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(checked > 60)
    }

    /// One hot resource shared by three clients per node: maximal contention, LVBs carried between
    /// holders (every delivered LVB must be zeros or one a client sent for that resource).
    @Test func hotResourceSchedules() {
        var failures: [String] = []
        for seed in UInt64(7001)...7100 {
            var options = SimulationOptions(seed: seed, nodeCount: 3 + Int(seed % 5), steps: 40)
            options.resourceCount = 1
            options.clientsPerNode = 3
            var world = SimulationWorld(options: options)
            let report = world.run()
            if !report.passed { failures.append(report.summary + " " + report.violations.joined(separator: "; ")) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
    }

    /// A deliberately corrupted grant (reported as EX while another holder holds a non-NL mode) must
    /// be caught as an incompatible grant.
    @Test func checkerCatchesACorruptedGrant() {
        var caught = 0
        for seed in UInt64(1)...20 {
            var options = SimulationOptions(seed: seed, nodeCount: 3, steps: 60)
            options.corruptOneGrant = true
            var world = SimulationWorld(options: options)
            let report = world.run()
            if report.violations.contains(where: { $0.hasPrefix("incompatible grants") }) { caught += 1 }
        }
        #expect(caught >= 15)
    }

    /// The same seed gives the same schedule.
    @Test func seedReplaysIdentically() {
        let first = Self.run(seed: 4242, steps: 60)
        let second = Self.run(seed: 4242, steps: 60)
        #expect(first.summary == second.summary)
        #expect(first.messagesDelivered > 0)
    }
}
