// Tests the single-master entries 27–35, 39, 40, 49, 50, 55, 56 of the spec's §13 "Edge cases worth a
// test" (LVB, unlock/cancel, validation, process exit, orphans, names, ids), one test each, named
// edgeCaseNN_. Each builds a resource with EngineBench, makes the calls the entry describes, and
// compares the rendered completions/basts, queues and LVB state.

import DLMCore
import Testing
@testable import DLMEngine

@Suite struct EdgeCaseLifecycleTests {
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
