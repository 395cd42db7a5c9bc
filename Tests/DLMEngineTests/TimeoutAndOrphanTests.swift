// Tests LKF_TIMEOUT (spec §0: implemented; centiseconds; time only via `now:`) and handle close,
// orphans, purge and adoption (spec §7.6), by driving EngineBench with a fake clock and checking
// completions, queues, counters and the absence of effects for closed handles and orphans.

import DLMCore
import Testing
@testable import DLMEngine

@Suite struct TimeoutTests {
    @Test func waitingRequestExpires() throws {
        var b = EngineBench()
        try b.setUp("granted A:EX")
        try b.request("B", .pr, .timeout, timeout: 100)
        #expect(b.engine.nextTimeoutDeadline == MonotonicInstant(nanoseconds: 1_000_000_000))
        b.advance(centiseconds: 99)
        #expect(b.take() == ["A bast PR"])
        b.advance(centiseconds: 1)
        #expect(b.take() == ["B ast ETIMEDOUT"])
        #expect(b.state() == "granted A:EX")
        #expect(b.engine.nextTimeoutDeadline == nil)
    }

    @Test func waitingConversionReturnsToGrantedMode() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR B:PR")
        try b.convert("B", .ex, .timeout, timeout: 5)
        _ = b.take()
        b.advance(centiseconds: 5)
        #expect(b.take() == ["B ast ETIMEDOUT PR"])
        #expect(b.state() == "granted A:PR B:PR")
    }

    @Test func expiryRegrantsOthers() throws {
        var b = EngineBench()
        try b.setUp("granted A:PR")
        try b.request("B", .ex, .timeout, timeout: 10)
        try b.request("C", .pr)
        _ = b.take()
        b.advance(centiseconds: 10)
        #expect(b.take() == ["B ast ETIMEDOUT", "C ast 0 PR"])
    }

    @Test func grantCancelsTimeout() throws {
        var b = EngineBench()
        try b.setUp("granted A:EX")
        try b.request("B", .pr, .timeout, timeout: 10)
        try b.unlock("A")
        #expect(b.engine.nextTimeoutDeadline == nil)
        b.advance(centiseconds: 20)
        #expect(b.take() == ["A bast PR", "A ast EUNLOCK", "B ast 0 PR"])
    }

    @Test func timeoutNeedsFlagAndValue() throws {
        var b = EngineBench()
        try b.setUp("granted A:EX")
        try b.request("B", .pr, [], timeout: 10)
        try b.request("C", .pr, .timeout, timeout: 0)
        #expect(b.engine.nextTimeoutDeadline == nil)
    }

    @Test func earliestDeadlineFirst() throws {
        var b = EngineBench()
        try b.setUp("granted A:EX")
        try b.request("B", .pr, .timeout, timeout: 30)
        try b.request("C", .pr, .timeout, timeout: 20)
        _ = b.take()
        #expect(b.engine.nextTimeoutDeadline == MonotonicInstant(nanoseconds: 200_000_000))
        b.advance(centiseconds: 50)
        #expect(b.take() == ["C ast ETIMEDOUT", "B ast ETIMEDOUT"])
    }
}

@Suite struct OrphanTests {
    @Test func closeDropsNonPersistentWithoutEffects() throws {
        var b = EngineBench()
        try b.request("A", .pr)
        try b.request("A2", .ex)
        b.ids["A2x"] = b.ids["A2"]
        try b.request("B", .ex, resource: "S")
        _ = b.take()
        b.close("A")
        #expect(b.take() == ["A2 ast 0 EX"])
        #expect(b.engine.lockCount(ownedBy: EngineBench.owner("A").handle) == 0)
        #expect(b.engine.resourceNames() == [EngineBench.name("R"), EngineBench.name("S")])
    }

    @Test func closeTurnsPersistentIntoOrphansAndCancelsPending() throws {
        var b = EngineBench()
        try b.setUp("granted X:PR")
        try b.request("A", .pr, .persistent)
        try b.convert("A", .ex, .persistent)
        try b.request("A", .ex, .persistent, resource: "S2")
        try b.request("B", .ex, resource: "S2")
        _ = b.take()
        // A's pending new request on S2 is A's own lock with id; put one more waiting one on R.
        var effects: [EngineEffect] = []
        let waiting = LockRequest(owner: EngineBench.owner("A"), name: EngineBench.name("R"), mode: .ex, flags: .persistent)
        _ = try b.engine.lock(waiting, now: b.now, effects: &effects)
        b.close("A")
        #expect(b.take() == [])
        #expect(b.engine.orphanCount == 2)
        #expect(b.state() == "granted A:PR X:PR")
        let orphan = b.engine.resourceSnapshot(EngineBench.name("R"))!.granted.first { $0.isOrphan }
        #expect(orphan?.owner.pid == EngineBench.owner("A").pid && orphan?.owner.handle == 0)
    }

    @Test func orphansGetNoBasts() throws {
        var b = EngineBench()
        try b.request("A", .pr, .persistent)
        b.close("A")
        _ = b.take()
        try b.request("B", .ex)
        try b.request("C", .cw)
        #expect(b.take() == [])
    }

    @Test func purgeOrphansByPidOrAll() throws {
        var b = EngineBench()
        try b.request("A", .pr, .persistent)
        try b.request("B", .pr, .persistent, resource: "S")
        try b.request("C", .pr, .persistent, resource: "T")
        for who in ["A", "B", "C"] { b.close(who) }
        var effects: [EngineEffect] = []
        let none = b.engine.purgeOrphans(pid: 4, now: b.now, effects: &effects)
        let one = b.engine.purgeOrphans(pid: EngineBench.owner("B").pid, now: b.now, effects: &effects)
        #expect(none == 0 && one == 1)
        #expect(b.engine.orphanCount == 2)
        let rest = b.engine.purgeOrphans(pid: 0, now: b.now, effects: &effects)
        #expect(rest == 2)
        #expect(b.engine.lockCount == 0 && b.engine.resourceCount == 0)
        #expect(effects.isEmpty)
        b.engine.checkInvariants()
    }

    @Test func purgeHandleDropsPersistentToo() throws {
        var b = EngineBench()
        try b.request("A", .pw, .persistent)
        try b.request("A", .nl, resource: "S")
        try b.request("B", .pr)
        _ = b.take()
        var effects: [EngineEffect] = []
        b.engine.purgeHandle(EngineBench.owner("A").handle, now: b.now, effects: &effects)
        b.record(effects)
        #expect(b.take() == ["B ast 0 PR"])
        #expect(b.engine.orphanCount == 0)
        #expect(b.engine.resourceSnapshot(EngineBench.name("R"))?.valueBlockInvalid == true)
    }

    @Test func adoptedOrphanReplacesFlagsAndGetsBasts() throws {
        var b = EngineBench()
        try b.request("A", .pr, .persistent)
        b.close("A")
        try b.request("C", .pr, .orphan)
        #expect(b.engine.lockSnapshot(b.ids["C"]!)?.flags == .orphan)
        _ = b.take()
        try b.request("D", .ex)
        #expect(b.take() == ["C bast EX"])
        // Not persistent any more: closing C now releases it.
        b.close("C")
        #expect(b.take() == ["D ast 0 EX"])
    }
}
