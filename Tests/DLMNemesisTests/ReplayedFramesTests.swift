// End-to-end: replayed and reordered peer frames change no lock state. Starts two real dlmd
// processes (trace logging) with the nemesis proxy on their link, holds locks on both nodes, then
// runs lock/unlock traffic between them while the proxy duplicates frames in both directions and
// replays older sequence numbers. Checks that every duplicate was dropped by the receiving session
// (the "peer frame dropped" trace line), that each node's lock list afterwards equals the list
// before, and that the traffic itself behaved (every grant and unlock exactly once). Bounded: every
// wait has a timeout and the processes are stopped by PID.

import DLM
import DLMCore
import DLMNemesis
import Foundation
import Testing

@Suite("Replayed peer frames", .serialized)
struct ReplayedFramesTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func dlmdPath() throws -> String {
        let candidates = [".build/debug/dlmd", ".build/x86_64-unknown-linux-gnu/debug/dlmd"]
            .map { repositoryRoot.appendingPathComponent($0).path }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw NemesisError("dlmd binary not built; run `swift build --product dlmd` first")
        }
        return found
    }

    /// This node's locks, one line each, sorted (`dlm_tool lockdump`).
    static func lockList(_ cluster: NodeProcesses, _ node: Int) throws -> [String] {
        let text = try DLMAdmin.query(.lockDump(lockspace: cluster.settings.lockspace), socketPath: cluster.socketPath(node))
        return text.split(separator: "\n").map(String.init).sorted()
    }

    @Test(.timeLimit(.minutes(2)))
    func duplicatedAndReplayedFramesChangeNoLockState() throws {
        let directory = NSTemporaryDirectory() + "dlm-replay-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cluster = try NodeProcesses(
            settings: ClusterSettings(nodes: 2, dlmdPath: try Self.dlmdPath(), directory: directory, logLevel: "trace"))
        defer { cluster.stopAll() }
        try cluster.startAll()
        let proxy = try #require(cluster.proxies[NodeProcesses.PairKey(1, 2)])
        let one = try DLM.createLockspace(cluster.settings.lockspace, socketPath: cluster.socketPath(1))
        let two = try DLM.createLockspace(cluster.settings.lockspace, socketPath: cluster.socketPath(2))
        defer {
            one.close()
            two.close()
        }
        // Standing state: node 1 masters "scratch" (NL) and holds EX on "held"; node 2 holds PR on "shared".
        try one.lockWait(mode: .nl, statusBlock: LockStatusBlock(), name: "scratch")
        try one.lockWait(mode: .ex, statusBlock: LockStatusBlock(), name: "held")
        try two.lockWait(mode: .pr, statusBlock: LockStatusBlock(), name: "shared")
        let before = [try Self.lockList(cluster, 1), try Self.lockList(cluster, 2)]
        #expect(before.allSatisfy { !$0.isEmpty })

        // Traffic node 2 → node 1 (master) and back, with a duplicate + replay armed in each direction.
        var grants = 0
        var unlocks = 0
        for round in 0..<12 {
            proxy.duplicateNextFrame(round % 2 == 0 ? .forward : .backward)
            let block = LockStatusBlock()
            try two.lockWait(mode: .ex, statusBlock: block, name: "scratch", timeoutCentiseconds: 0)
            if block.status == 0 { grants += 1 }
            try two.unlockWait(lockID: block.lockID, statusBlock: block)
            if block.status == DLMErrno.EUNLOCK.rawValue { unlocks += 1 }
        }
        #expect(grants == 12)
        #expect(unlocks == 12)
        #expect(proxy.duplicatedFrames >= 10)
        // Let the last acknowledgements and any replayed frame settle, then compare.
        try cluster.waitUntilLinked(seconds: 10)
        usleep(300_000)
        #expect(try Self.lockList(cluster, 1) == before[0])
        #expect(try Self.lockList(cluster, 2) == before[1])
        let logs = (1...2).map { (try? String(contentsOfFile: cluster.logPath($0), encoding: .utf8)) ?? "" }.joined()
        let drops = logs.components(separatedBy: "peer frame dropped").count - 1
        #expect(drops >= proxy.duplicatedFrames)
    }
}
