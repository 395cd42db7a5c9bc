// Tests the single-master entries of the spec's §13 "Edge cases worth a test" (1–35, 39, 40, 49, 50,
// 55, 56), one test each, named edgeCaseNN_. Each builds a resource with EngineBench's DSL, makes the
// calls the entry describes, and compares the rendered completions/basts and the queues.

import DLMCore
import Testing
@testable import DLMEngine

@Suite struct EdgeCaseTests {
    @Test func edgeCase01_requestBlockedByPRBastsHolderWithEX() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR")
        try b.request("B", .ex)
        #expect(b.take() == ["A bast EX"])
        #expect(b.state() == "granted A:PR | wait B:EX")
    }

    @Test func edgeCase02_compatibleRequestWaitsBehindWaiter() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR | wait B:EX")
        try b.request("C", .pr)
        #expect(b.take() == [])
        #expect(b.state() == "granted A:PR | wait B:EX C:PR")
    }

    @Test func edgeCase03_noOrderSkipsWaiters() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR | wait B:EX")
        try b.request("C", .pr, .noOrder)
        #expect(b.take() == ["C ast 0 PR"])
        #expect(b.state() == "granted A:PR C:PR | wait B:EX")
    }

    @Test func edgeCase04_nullRequestGrantedNextToEX() throws {
        var b = EngineBench()
        try b.setUp("granted A:EX")
        try b.request("C", .nl)
        #expect(b.take() == ["C ast 0 NL"])
    }

    @Test func edgeCase05_nullRequestWaitsUnlessExpedite() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR | wait B:EX")
        try b.request("C", .nl)
        #expect(b.take() == [])
        try b.request("D", .nl, .expedite)
        #expect(b.take() == ["D ast 0 NL"])
        #expect(b.state() == "granted A:PR D:NL | wait B:EX C:NL")
    }

    @Test func edgeCase06_conversionDeadlockReportsEDEADLK() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR B:PR")
        try b.convert("A", .ex)
        #expect(b.take() == ["B bast EX"])
        #expect(b.state() == "granted B:PR | convert A:PR>EX")
        try b.convert("B", .ex)
        #expect(b.take() == ["B ast EDEADLK PR"])
        #expect(b.state() == "granted B:PR | convert A:PR>EX")
    }

    @Test func edgeCase07_convDeadlkDemotesAndGrantsOther() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR B:PR")
        try b.convert("A", .ex)
        _ = b.take()
        try b.convert("B", .ex, .convertDeadlock)
        #expect(b.take() == ["A ast 0 EX", "A bast EX"])
        #expect(b.state() == "granted A:EX | convert B:NL>EX")
        try b.unlock("A")
        #expect(b.take() == ["A ast EUNLOCK", "B ast 0 EX +DEMOTED"])
    }

    @Test func edgeCase08_cancelOfDemotedConversionLeavesNL() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR B:PR")
        try b.convert("A", .ex)
        try b.convert("B", .ex, .convertDeadlock)
        _ = b.take()
        #expect(try b.cancel("B") == .completionFollows)
        #expect(b.take() == ["B ast ECANCEL NL"])
        #expect(b.state() == "granted A:EX B:NL")
    }

    @Test func edgeCase09_noDeadlockWaitQueuesBoth() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR B:PR C:NL")
        try b.convert("A", .ex)
        #expect(b.take() == ["B bast EX"])
        try b.convert("B", .ex, .noDeadlockWait)
        #expect(b.take() == [])
        #expect(b.state() == "granted C:NL | convert A:PR>EX B:PR>EX")
        // A grant pass while both are stuck: no self-bast, B's highbast is already EX.
        try b.unlock("C")
        #expect(b.take() == ["C ast EUNLOCK"])
        try b.cancel("A")
        #expect(b.take() == ["A ast ECANCEL PR", "A bast EX"])
        #expect(b.state() == "granted A:PR | convert B:PR>EX")
    }

    @Test func edgeCase10_downConversionReleasesWaiters() throws {
        var b = EngineBench()
        try b.setUp("granted A:EX | wait B:PR C:PR")
        try b.convert("A", .nl)
        #expect(b.take() == ["A ast 0 NL", "B ast 0 PR", "C ast 0 PR"])
        #expect(b.state() == "granted A:NL B:PR C:PR")
    }

    @Test func edgeCase11_middleConversionQueuesAndBasts() throws {
        var b = EngineBench()
        try b.setUp("granted A:CW B:CW")
        try b.convert("A", .pr)
        #expect(b.take() == ["B bast PR"])
        #expect(b.state() == "granted B:CW | convert A:CW>PR")
    }

    @Test func edgeCase12_newRequestWaitsWhileSomethingConverts() throws {
        var b = EngineBench()
        try b.setUp("granted B:PR | convert A:PR>EX")
        try b.request("C", .cr)
        #expect(b.take() == [])
        #expect(b.state() == "granted B:PR | convert A:PR>EX | wait C:CR")
    }

    @Test func edgeCase13_conversionOvertakesUnlessQueueConvert() throws {
        var b = EngineBench()
        try b.setUp("granted A:NL C:PR | convert B:PR>EX")
        try b.convert("A", .cr)
        #expect(b.take() == ["A ast 0 CR", "A bast EX"])
        var q = EngineBench()
        try q.setUp("granted A:NL C:PR | convert B:PR>EX")
        try q.convert("A", .cr, .queueConvert)
        #expect(q.take() == [])
        #expect(q.state() == "granted C:PR | convert B:PR>EX A:NL>CR")
    }

    @Test func edgeCase14_queueConvertValidity() throws {
        var b = EngineBench()
        try b.request("A", .ex)
        #expect(throws: DLMErrno.EINVAL) { try b.convert("A", .nl, .queueConvert) }
        try b.request("B", .nl, resource: "idle")
        _ = b.take()
        try b.convert("B", .ex, .queueConvert)
        #expect(b.take() == ["B ast 0 EX"])
    }

    @Test func edgeCase15_noQueueFailsWithoutBast() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR")
        try b.request("B", .ex, .noQueue)
        #expect(b.take() == ["B ast EAGAIN"])
        #expect(b.state() == "granted A:PR")
        #expect(throws: DLMErrno.ENOENT) { try b.unlock("B") }
    }

    @Test func edgeCase16_noQueueBastReachesGrantedAndConverting() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR | convert D:CR>PW")
        try b.request("B", .ex, [.noQueue, .noQueueBlockingCallback])
        #expect(b.take() == ["B ast EAGAIN", "A bast EX", "D bast EX"])
    }

    @Test func edgeCase17_noQueueConversionSkipsDeadlockCheck() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR B:PR")
        try b.convert("B", .ex)
        _ = b.take()
        try b.convert("A", .ex, .noQueue)
        #expect(b.take() == ["A ast EAGAIN PR"])
        #expect(b.state() == "granted A:PR | convert B:PR>EX")
    }

    @Test func edgeCase18_alternatePR() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR")
        try b.request("B", .cw, .alternatePR)
        #expect(b.take() == ["B ast 0 PR +ALTMODE"])
    }

    @Test func edgeCase19_alternateCW() throws {
        var b = EngineBench()
        try b.setUp("granted A:CW")
        try b.request("B", .pr, .alternateCW)
        #expect(b.take() == ["B ast 0 CW +ALTMODE"])
    }

    @Test func edgeCase20_headQueueGoesFirst() throws {
        var b = EngineBench()
        try b.setUp("granted A:EX | wait W1:EX W2:EX")
        try b.request("W3", .ex, .headQueue)
        #expect(b.state() == "granted A:EX | wait W3:EX W1:EX W2:EX")
        _ = b.take()
        try b.unlock("A")
        #expect(b.take() == ["A ast EUNLOCK", "W3 ast 0 EX", "W3 bast EX"])
    }

    @Test func edgeCase21_noSecondBastForLowerMode() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR")
        try b.request("B", .ex)
        #expect(b.take() == ["A bast EX"])
        try b.request("C", .pw)
        #expect(b.take() == [])
    }

    @Test func edgeCase22_prHolderBastedWithCW() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR")
        try b.request("B", .cw)
        #expect(b.take() == ["A bast CW"])
    }

    @Test func edgeCase23_sameModeConversionResetsHighbast() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR")
        try b.request("B", .ex)
        _ = b.take()
        try b.convert("A", .pr)
        #expect(b.take() == ["A ast 0 PR", "A bast EX"])
    }

    @Test func edgeCase24_convertingHolderGetsNoBast() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR B:PR")
        try b.convert("A", .pw)
        #expect(b.take() == ["B bast PW"])
        try b.request("C", .ex)
        #expect(b.take() == ["B bast EX"])
    }

    @Test func edgeCase25_grantThenBastInOrder() throws {
        var b = EngineBench()
        try b.setUp("granted A:EX | wait B:PR D:EX")
        try b.unlock("A")
        #expect(b.take() == ["A ast EUNLOCK", "B ast 0 PR", "B bast EX"])
    }

    @Test func edgeCase26_nullHolderNeverBasted() throws {
        var b = EngineBench()
        try b.setUp("granted A:NL")
        for (who, mode) in [("B", LockMode.ex), ("C", .pw), ("D", .cw)] {
            try b.request(who, mode)
        }
        #expect(!b.take().contains { $0.hasPrefix("A bast") })
        var filter = CallbackFilter()
        filter.completionQueued(grantedMode: .nl)
        var delivered: [LockMode] = []
        for mode in LockMode.allCases where filter.shouldQueueBlocking(mode: mode) { delivered.append(mode) }
        #expect(delivered.isEmpty)
    }

    @Test func edgeCase27_valueBlockWrittenOnDownConversionAndRead() throws {
        var b = EngineBench()
        try b.request("A", .ex, .valueBlock)
        try b.convert("A", .nl, .valueBlock, lvb: EngineBench.lvb(0x42))
        #expect(b.completions.last?.valueBlock == nil)
        let snapshot = b.engine.resourceSnapshot(EngineBench.name("R"))
        #expect(snapshot?.valueBlock == EngineBench.lvb(0x42))
        #expect(snapshot?.valueBlockSequence == 1)
        _ = b.take()
        try b.request("B", .pr, .valueBlock)
        #expect(b.completions.first?.valueBlock == EngineBench.lvb(0x42))
        #expect(b.engine.lock(b.ids["B"]!)?.valueBlockSequence == 1)
    }

    @Test func edgeCase28_invalidatedValueBlockReportedUntilRewritten() throws {
        var b = EngineBench()
        try b.request("K", .nl)
        try b.request("A", .pw, .valueBlock)
        try b.convert("A", .pw, .valueBlock, lvb: EngineBench.lvb(7))
        try b.unlock("A", .invalidateValueBlock)
        _ = b.take()
        try b.request("B", .pr, .valueBlock)
        #expect(b.take() == ["B ast 0 PR +VALNOTVALID"])
        try b.convert("B", .ex, .valueBlock)
        #expect(b.take() == ["B ast 0 EX +VALNOTVALID"])
        try b.convert("B", .nl, .valueBlock, lvb: EngineBench.lvb(9))
        #expect(b.take() == ["B ast 0 NL"])
        try b.request("D", .pr, .valueBlock)
        #expect(b.take() == ["D ast 0 PR"])
        try b.unlock("D", .invalidateValueBlock)
        #expect(b.engine.resourceSnapshot(EngineBench.name("R"))?.valueBlockInvalid == false)
    }

    @Test func edgeCase29_valueBlockDiscardedWithResource() throws {
        var b = EngineBench()
        try b.request("A", .ex, .valueBlock)
        try b.unlock("A", .valueBlock, lvb: EngineBench.lvb(5))
        #expect(b.engine.resourceCount == 0)
        _ = b.take()
        try b.request("B", .pr, .valueBlock, lvb: EngineBench.lvb(0xee))
        #expect(b.completions.first?.valueBlock == ValueBlock(zeroed: 32))
        try b.unlock("B")
        try b.request("K", .nl)
        try b.request("A", .ex, .valueBlock)
        try b.unlock("A", .valueBlock, lvb: EngineBench.lvb(5))
        _ = b.take()
        try b.request("B", .pr, .valueBlock)
        #expect(b.completions.first?.valueBlock == EngineBench.lvb(5))
    }

    @Test func edgeCase30_unlockOfWaitingLock() throws {
        var b = EngineBench()
        try b.setUp("granted X:PR | wait A:EX B:PR")
        #expect(try b.unlock("A") == .completionFollows)
        #expect(b.take() == ["A ast EUNLOCK", "B ast 0 PR"])
    }

    @Test func edgeCase31_cancelOfWaitingRequest() throws {
        var b = EngineBench()
        try b.setUp("granted X:EX | wait A:PR")
        let id = b.ids["A"]!
        try b.cancel("A")
        #expect(b.take() == ["A ast ECANCEL"])
        #expect(b.engine.lockSnapshot(id) == nil)
    }

    @Test func edgeCase32_cancelOfQueuedConversion() throws {
        var b = EngineBench()
        try b.setUp("granted B:PR | convert A:PR>EX | wait C:CR")
        try b.cancel("A")
        #expect(b.take() == ["A ast ECANCEL PR", "C ast 0 CR"])
        #expect(b.state() == "granted A:PR B:PR C:CR")
    }

    @Test func edgeCase33_cancelOfGrantedLockDoesNothing() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR")
        #expect(try b.cancel("A") == .noCompletion)
        #expect(b.take() == [])
        #expect(b.state() == "granted A:PR")
    }

    @Test func edgeCase34_secondCancelIsEINVAL() throws {
        var b = EngineBench()
        try b.setUp("granted B:PR | convert A:PR>EX")
        try b.cancel("A")
        #expect(throws: DLMErrno.EINVAL) { try b.cancel("A") }
        #expect(try b.cancel("B") == .noCompletion)
        #expect(throws: DLMErrno.EINVAL) { try b.cancel("B") }
        try b.convert("B", .pr)
        #expect(try b.cancel("B") == .noCompletion)
    }

    @Test func edgeCase35_convertWhileWaitingOrConvertingIsEBUSY() throws {
        var b = EngineBench()
        try b.setUp("granted B:PR | convert A:PR>EX | wait C:EX")
        #expect(throws: DLMErrno.EBUSY) { try b.convert("A", .pw) }
        #expect(throws: DLMErrno.EBUSY) { try b.convert("C", .pr) }
    }

    @Test func edgeCase39_argumentValidation() throws {
        var b = EngineBench()
        var effects: [EngineEffect] = []
        let owner = EngineBench.owner("A")
        let zeroID = LockRequest(owner: owner, name: EngineBench.name("R"), mode: .pr, flags: .convert, lockID: 0)
        #expect(throws: DLMErrno.EINVAL) { try b.engine.lock(zeroID, now: .zero, effects: &effects) }
        #expect(throws: DLMErrno.EINVAL) { try ResourceName(String(repeating: "x", count: 65)) }
        try b.request("A", .pr, resource: String(repeating: "x", count: 64))
        let noBuffer = LockRequest(owner: owner, name: EngineBench.name("R"), mode: .pr, flags: .valueBlock)
        #expect(throws: DLMErrno.EINVAL) { try b.engine.lock(noBuffer, now: .zero, effects: &effects) }
        #expect(throws: DLMErrno.EINVAL) { try b.request("B", .pr, .expedite) }
        #expect(throws: DLMErrno.EINVAL) { try b.request("B", .pr, .convertDeadlock) }
        #expect(throws: DLMErrno.EINVAL) { try b.request("B", .pr, .cancel) }
        #expect(throws: DLMErrno.EINVAL) { try b.unlock("A", .noQueue) }
        #expect(throws: DLMErrno.EINVAL) { try b.unlock("A", [.cancel, .forceUnlock]) }
        #expect(effects.isEmpty)
    }

    @Test func edgeCase40_unknownLockIsENOENT() throws {
        var b = EngineBench()
        try b.request("A", .pr)
        b.ids["Z"] = 77
        #expect(throws: DLMErrno.ENOENT) { try b.unlock("Z") }
        #expect(throws: DLMErrno.ENOENT) { try b.convert("Z", .ex) }
    }

    @Test func edgeCase49_deadHolderInvalidatesAndReleases() throws {
        var b = EngineBench()
        try b.request("K", .nl)
        try b.request("A", .ex)
        try b.request("B", .pr)
        _ = b.take()
        b.close("A")
        #expect(b.take() == ["B ast 0 PR"])
        #expect(b.engine.resourceSnapshot(EngineBench.name("R"))?.valueBlockInvalid == true)
        #expect(b.engine.lockCount(ownedBy: EngineBench.owner("A").handle) == 0)
    }

    @Test func edgeCase50_orphanBlocksThenPurgeAndAdoption() throws {
        var b = EngineBench()
        let id = try b.request("A", .pr, .persistent)
        #expect(b.take() == ["A ast 0 PR"])
        b.close("A")
        #expect(b.engine.orphanCount == 1)
        try b.request("B", .ex)
        #expect(b.take() == [])
        let purged = b.engine.purgeOrphans(pid: EngineBench.owner("A").pid, now: b.now, effects: &b.raw)
        #expect(purged == 1)
        #expect(b.completions.map(\.status) == [.granted])
        try b.unlock("B")
        _ = b.take()
        // Adoption: same mode → the orphan's id, no completion; other mode → EAGAIN; other name → ENOENT.
        let again = try b.request("A", .pr, .persistent)
        b.close("A")
        _ = b.take()
        #expect(throws: DLMErrno.EAGAIN) { try b.request("C", .ex, .orphan) }
        #expect(throws: DLMErrno.ENOENT) { try b.request("C", .pr, .orphan, resource: "other") }
        let adopted = try b.request("C", .pr, .orphan)
        #expect(adopted == again && again == id)
        #expect(b.take() == [])
        #expect(b.engine.orphanCount == 0)
        #expect(b.engine.lockSnapshot(adopted)?.owner == EngineBench.owner("C"))
    }

    @Test func edgeCase55_namesDifferingByTrailingZeroAreDistinct() throws {
        var b = EngineBench()
        var effects: [EngineEffect] = []
        for bytes in [[UInt8(ascii: "a")], [UInt8(ascii: "a"), 0]] {
            let request = LockRequest(owner: EngineBench.owner("A"), name: try ResourceName(bytes: bytes), mode: .ex)
            _ = try b.engine.lock(request, now: .zero, effects: &effects)
        }
        #expect(effects.count == 2)
        #expect(b.engine.resourceCount == 2)
    }

    @Test func edgeCase56_lockIdsReusedLowestFirst() throws {
        var b = EngineBench()
        let first = try ["A", "B", "C", "D"].map { who throws(DLMErrno) in try b.request(who, .nl) }
        #expect(first == [1, 2, 3, 4])
        try b.unlock("C")
        try b.unlock("B")
        #expect(try b.request("E", .nl) == 2)
        #expect(try b.request("F", .nl) == 3)
        #expect(try b.request("G", .nl) == 5)
    }
}
