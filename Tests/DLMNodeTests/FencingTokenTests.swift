// dlmd — DLMNodeTests: fencing tokens. Drives DLMNode values through NodeBench and checks the tokens
// of the completions delivered: every EX/PW grant gets one, they strictly grow on one master for local
// and remote holders alike, other modes get none, the generation sits above bit 40, and after the
// master frees a resource (REMOVE to the directory node) and another node becomes its master through
// a LOOKUP, the new master's tokens are still above the old master's (the Lamport clock carried by
// REMOVE and LOOKUP_REPLY).

import DLMCore
import DLMEngine
import DLMNode
import DLMWire
import Testing

@Suite struct FencingTokenTests {
    /// Fencing tokens of the grants delivered to `node`, in delivery order.
    static func tokens(_ bench: NodeBench, _ node: NodeID) -> [UInt64] {
        (bench.delivered[node] ?? []).compactMap {
            if case .completion(let c) = $0, c.status == .granted, c.grantedMode == .ex || c.grantedMode == .pw {
                return c.fenceToken
            }
            return nil
        }
    }

    /// All grant tokens of every node, sorted by value; with their count this shows they are distinct.
    static func allTokens(_ bench: NodeBench) -> [UInt64] {
        bench.nodes.keys.flatMap { tokens(bench, $0) }.sorted()
    }

    @Test func exAndPwGrantsGetGrowingTokensOnOneMaster() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 1)
        var previous: UInt64 = 0
        for (node, mode) in [(NodeID(1), LockMode.ex), (2, .pw), (3, .ex), (1, .pw), (2, .ex)] {
            let id = try bench.lock(node, name, mode)
            bench.settle()
            let token = try #require(bench.lastCompletion(node)?.fenceToken)
            #expect(token > previous)
            #expect(token >> 40 == bench.nodes[1]!.generation)
            previous = token
            try bench.unlock(node, id)
            bench.settle()
        }
        let shared = try bench.lock(2, name, .pr)
        bench.settle()
        #expect(bench.statuses(2, lock: shared).last == .granted)
        #expect(bench.lastCompletion(2)?.fenceToken == 0)
    }

    @Test func queuedGrantAfterUnlockCarriesAHigherToken() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 1)
        let holder = try bench.lock(2, name, .ex)
        bench.settle()
        let waiter = try bench.lock(3, name, .ex)
        bench.settle()
        #expect(bench.statuses(3, lock: waiter).isEmpty)
        try bench.unlock(2, holder)
        bench.settle()
        #expect(bench.statuses(3, lock: waiter) == [.granted])
        let first = try #require(Self.tokens(bench, 2).first)
        let second = try #require(Self.tokens(bench, 3).first)
        #expect(second > first)
    }

    @Test func tokensKeepGrowingWhenTheResourceIsRemasteredElsewhere() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 3)
        // Node 1 becomes master and grants several EX locks.
        for _ in 0..<4 {
            let id = try bench.lock(1, name, .ex)
            bench.settle()
            try bench.unlock(1, id)
            bench.settle()
        }
        let oldMasterTokens = Self.tokens(bench, 1)
        #expect(oldMasterTokens.count == 4)
        // Node 1 frees the resource and sends REMOVE to the directory node.
        bench.tick(1, after: .seconds(11))
        bench.settle()
        #expect(bench.nodes[1]!.inspect(lockspace: bench.lockspace)!.mastered.isEmpty)
        // Node 2, which never talked to node 1, becomes master through a LOOKUP to node 3.
        let id = try bench.lock(2, name, .ex)
        bench.settle()
        #expect(bench.nodes[2]!.inspect(lockspace: bench.lockspace)!.mastered[name] == true)
        let newToken = try #require(Self.tokens(bench, 2).last)
        #expect(newToken > oldMasterTokens.max()!)
        _ = id
    }
}
