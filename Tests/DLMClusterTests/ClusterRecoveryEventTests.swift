// Recovery notifications through the Swift client library with real processes (ClusterHarness: three
// dlmd on loopback, fencing disabled). A `DLMClient` async lockspace on node 1 iterates
// `recoveryEvents()`; node 3 is killed with SIGKILL; the sequence must be exactly prep, slot (node 3,
// slot 3), done (a generation above the one before, our slot 1, members 1 and 2 with slots 1 and 2).
// Node 3 then restarts as a new incarnation and rejoins: prep, done with three members, node 3 back
// in the lowest free slot (3). Every wait is bounded: a watchdog closes the lockspace (which finishes
// the stream) after 60 s; only the test's PIDs are killed.

import DLM
import Foundation
import Testing

@Suite("recovery events reach a Swift client on a real cluster", .serialized, .timeLimit(.minutes(3)))
struct ClusterRecoveryEventTests {
    @Test("kill -9 of node 3: the AsyncSequence on node 1 sees prep, slot 3, done; the rejoin: prep, done")
    func asyncSequenceSeesRecovery() async throws {
        try await LocalCluster.with(extraLines: ClusterRecoveryTests.fastMembership + ["enable_fencing=0"]) { cluster in
            let ls = try await DLMClient.lockspace("default", create: true, socketPath: cluster.socketPath(1))
            let watchdog = Task {
                try await Task.sleep(for: .seconds(60))
                ls.close()
            }
            defer {
                watchdog.cancel()
                ls.close()
            }
            var events = try ls.recoveryEvents().makeAsyncIterator()
            let generationBefore = UInt64(cluster.statusValue(1, "generation") ?? "0") ?? 0
            #expect(generationBefore > 0)

            try await cluster.crash(3)
            let crash = await Self.collect(&events, untilDoneWith: 2)
            let generation = UInt64(cluster.statusValue(1, "generation") ?? "0") ?? 0
            #expect(generation > generationBefore)
            #expect(crash == [
                .prep, .slot(node: 3, slot: 3),
                .done(generation: generation, ourSlot: 1, members: [RecoveryMember(node: 1, slot: 1), RecoveryMember(node: 2, slot: 2)]),
            ])

            try cluster.restart(3)
            let rejoin = await Self.collect(&events, untilDoneWith: 3)
            let generationRejoined = UInt64(cluster.statusValue(1, "generation") ?? "0") ?? 0
            #expect(generationRejoined > generation)
            let all = [RecoveryMember(node: 1, slot: 1), RecoveryMember(node: 2, slot: 2), RecoveryMember(node: 3, slot: 3)]
            #expect(rejoin == [.prep, .done(generation: generationRejoined, ourSlot: 1, members: all)])
        }
    }

    /// Events until a `.done` listing `count` members, or until the stream finishes (the watchdog).
    static func collect(_ events: inout AsyncStream<RecoveryEvent>.Iterator, untilDoneWith count: Int) async -> [RecoveryEvent] {
        var seen: [RecoveryEvent] = []
        while let event = await events.next() {
            seen.append(event)
            if case .done(_, _, let members) = event, members.count == count { break }
        }
        return seen
    }
}
