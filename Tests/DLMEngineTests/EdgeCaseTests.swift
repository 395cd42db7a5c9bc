// Tests the single-master entries 1–26 of the spec's §13 "Edge cases worth a test" (queues, grants,
// conversions, basts; 27–56 are in EdgeCaseLifecycleTests), one test each, named edgeCaseNN_. Each
// builds a resource with EngineBench's DSL, makes the calls the entry describes, and compares the
// rendered completions/basts and the queues.

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
}
