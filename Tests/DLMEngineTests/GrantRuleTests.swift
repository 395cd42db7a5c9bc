// Tests spec §2.2 rules 1–11 (one test each, in the order the predicate applies them), the §2.3
// wrapper (deadlock walk, alternate modes) and §2.5 grant_pending, through scenarios built with
// EngineBench's DSL; rule 4 (recovery pass) calls the internal grantPending(recover:) directly.

import DLMCore
import Testing
@testable import DLMEngine

@Suite struct GrantRuleTests {
    @Test func rule01_expediteIgnoresQueues() throws {
        var b = EngineBench()
        try b.setUp("granted A:EX | wait B:PR")
        try b.request("C", .nl, .expedite)
        #expect(b.take() == ["C ast 0 NL"])
    }

    @Test func rule02_grantQueueConflictBeatsNoOrder() throws {
        var b = EngineBench()
        try b.setUp("granted A:EX")
        try b.request("B", .pr, .noOrder)
        #expect(b.state() == "granted A:EX | wait B:PR")
    }

    @Test func rule03_convertQueueGrantedModesConflict() throws {
        var b = EngineBench()
        try b.setUp("granted B:CR | convert A:PR>EX")
        try b.request("C", .cw, .noOrder)
        #expect(b.state() == "granted B:CR | convert A:PR>EX | wait C:CW")
    }

    @Test func rule04_recoveryPassIgnoresConvertOrder() throws {
        var b = EngineBench()
        try b.setUp("granted A:NL B:NL G:PR")
        try b.convert("A", .ex)
        try b.convert("B", .cr, .queueConvert)
        #expect(b.state() == "granted G:PR | convert A:NL>EX B:NL>CR")
        _ = b.take()
        var effects: [EngineEffect] = []
        b.engine.grantPending(EngineBench.name("R"), effects: &effects)
        #expect(effects.isEmpty)
        b.engine.grantPending(EngineBench.name("R"), recover: true, effects: &effects)
        b.record(effects)
        #expect(b.take() == ["B ast 0 CR", "B bast EX"])
    }

    @Test func rule05_conversionGrantedInPlace() throws {
        var b = EngineBench()
        try b.setUp("granted A:NL C:PR | convert B:PR>EX")
        try b.convert("A", .pr)
        #expect(b.take().first == "A ast 0 PR")
    }

    @Test func rule06_queueConvertOnlyWhenConvertQueueEmpty() throws {
        var b = EngineBench()
        try b.setUp("granted A:NL C:PR D:PR")
        try b.convert("A", .cr, .queueConvert)
        #expect(b.take() == ["A ast 0 CR"])
        try b.convert("A", .nl)
        try b.convert("C", .ex)
        _ = b.take()
        try b.convert("A", .cr, .queueConvert)
        #expect(b.take() == [])
        #expect(b.state() == "granted D:PR | convert C:PR>EX A:NL>CR")
    }

    @Test func rule07_noOrderGrantedWhenCompatible() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR | wait B:EX")
        try b.request("C", .cr, .noOrder)
        #expect(b.take() == ["C ast 0 CR"])
    }

    @Test func rule08_firstConversionGrantedByPass() throws {
        var b = EngineBench()
        try b.setUp("granted A:NL B:NL X:EX")
        try b.convert("A", .ex)
        try b.convert("B", .cr)
        _ = b.take()
        #expect(b.state() == "granted X:EX | convert A:NL>EX B:NL>CR")
        try b.unlock("X")
        #expect(b.take() == ["X ast EUNLOCK", "A ast 0 EX", "A bast CR"])
        #expect(b.state() == "granted A:EX | convert B:NL>CR")
    }

    @Test func rule09_newRequestNeedsEmptyQueues() throws {
        var b = EngineBench()
        try b.request("A", .pr)
        #expect(b.take() == ["A ast 0 PR"])
        try b.request("B", .ex)
        try b.request("C", .nl)
        #expect(b.state() == "granted A:PR | wait B:EX C:NL")
    }

    @Test func rule10_waitQueueServedInOrder() throws {
        var b = EngineBench()
        try b.setUp("granted X:EX | wait A:PR B:CR C:EX D:PR")
        try b.unlock("X")
        #expect(b.take() == ["X ast EUNLOCK", "A ast 0 PR", "B ast 0 CR", "B bast EX", "A bast EX"])
        #expect(b.state() == "granted A:PR B:CR | wait C:EX D:PR")
    }

    @Test func rule10_waitPassDoesNotGrantWhileConverting() throws {
        var b = EngineBench()
        try b.setUp("granted X:EX Y:NL | wait A:CR")
        try b.convert("Y", .ex)
        try b.unlock("X")
        #expect(b.take().contains("Y ast 0 EX"))
        #expect(b.state() == "granted Y:EX | wait A:CR")
    }

    @Test func rule11_otherwiseBlocked() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR | wait B:EX")
        try b.request("C", .cr)
        try b.unlock("A")
        #expect(b.take() == ["A ast EUNLOCK", "B ast 0 EX", "B bast CR"])
        #expect(b.state() == "granted B:EX | wait C:CR")
    }

    @Test func wrapperBothAlternateFlagsOnPRRequestTriesCW() throws {
        var b = EngineBench()
        try b.setUp("granted A:CW")
        try b.request("B", .pr, [.alternatePR, .alternateCW])
        #expect(b.take() == ["B ast 0 CW +ALTMODE"])
    }

    @Test func wrapperAlternateModeNotGrantableRestoresRequest() throws {
        var b = EngineBench()
        try b.setUp("granted A:EX")
        try b.request("B", .cw, .alternatePR)
        #expect(b.state() == "granted A:EX | wait B:CW")
        try b.unlock("A")
        #expect(b.take().contains("B ast 0 CW"))
    }

    @Test func wrapperDeadlockAgainstConversionBehindIsMutualOnly() throws {
        // B behind A on the convert queue; A's re-check only deadlocks if the block is mutual.
        var b = EngineBench()
        try b.setUp("granted A:CR B:PR C:PR")
        try b.convert("B", .ex)
        try b.convert("A", .pw)
        // A (CR) blocks B's EX and B (PR) blocks A's PW: A is refused.
        #expect(b.take().last == "A ast EDEADLK CR")
    }

    @Test func grantPendingRestartsAfterGrant() throws {
        // A (first) is blocked by B's CW; B (NOORDER) is granted PR later in the walk, which
        // unblocks A only on the restarted walk.
        var b = EngineBench()
        try b.setUp("granted A:NL B:CW X:CW")
        try b.convert("A", .pr)
        try b.convert("B", .pr, [.noOrder, .noDeadlockWait])
        _ = b.take()
        #expect(b.state() == "granted X:CW | convert A:NL>PR B:CW>PR")
        try b.unlock("X")
        #expect(b.take() == ["X ast EUNLOCK", "B ast 0 PR", "A ast 0 PR"])
    }

    @Test func convDeadlockRetryGrantsAtOnceWhenPossible() throws {
        var b = EngineBench()
        try b.setUp("granted A:CW B:CW")
        try b.convert("A", .pr)
        #expect(b.take() == ["B bast PR"])
        try b.convert("B", .pr, .convertDeadlock)
        #expect(b.take() == ["A ast 0 PR", "B ast 0 PR +DEMOTED"])
    }

    @Test func convertGrantRunsGrantPending() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR B:PR")
        try b.convert("A", .ex)
        _ = b.take()
        try b.convert("B", .cr)
        #expect(b.take() == ["B ast 0 CR", "B bast EX"])
    }
}

/// Bast order follows the kernel's grant queue: newest grant first; a same-mode conversion keeps its place.
@Suite struct GrantQueueOrderTests {
    @Test func bastsGoNewestGrantFirst() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR B:PR C:PR")
        try b.request("D", .ex)
        #expect(b.take() == ["C bast EX", "B bast EX", "A bast EX"])
    }

    @Test func sameModeConversionKeepsPosition() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR B:PR")
        try b.convert("A", .pr)
        _ = b.take()
        let order = b.engine.resourceSnapshot(EngineBench.name("R"))!.granted.map { b.names[$0.lockID]! }
        #expect(order == ["B", "A"])
        try b.convert("A", .cr)
        try b.request("D", .ex)
        #expect(b.take() == ["A ast 0 CR", "A bast EX", "B bast EX"])
    }
}
