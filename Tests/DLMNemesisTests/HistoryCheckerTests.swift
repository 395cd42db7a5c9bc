// Tests the nemesis history checker and record format with hand-made histories: a clean history
// passes; overlapping EX holds, non-growing or missing tokens, operations without an end, stuck
// final-round locks and torn log lines are each caught; a stale holder the fenced store refused is
// not an overlap. Also round-trips every record kind through its log line and checks the store.

import DLMNemesis
import Foundation
import Testing

@Suite("Nemesis history checker")
struct HistoryCheckerTests {
    /// A granted operation with its hold: op, done, hold.
    func granted(
        worker: Int, op: Int, resource: String = "r", token: UInt64, start: UInt64, end: UInt64
    ) -> [HistoryRecord] {
        [
            .begin(OperationStart(worker: worker, node: worker, resource: resource, operation: op, time: start - 1)),
            .end(OperationEnd(worker: worker, operation: op, outcome: "granted", time: start)),
            .hold(Hold(worker: worker, node: worker, resource: resource, token: token, start: start, end: end)),
        ]
    }

    @Test func cleanHistoryPasses() {
        let records = granted(worker: 1, op: 1, token: 5, start: 10, end: 20)
            + granted(worker: 2, op: 1, token: 6, start: 20, end: 30)
            + granted(worker: 1, op: 2, resource: "other", token: 1, start: 15, end: 40)
            + [
                .begin(OperationStart(worker: 3, node: 3, resource: "r", operation: 1, time: 11)),
                .end(OperationEnd(worker: 3, operation: 1, outcome: "error:timeout-abandoned", time: 50)),
                .final(FinalAttempt(worker: 1, node: 1, resource: "r", granted: true)),
            ]
        let report = HistoryChecker.check(records)
        #expect(report.violations.isEmpty)
        #expect(report.operations == 4)
        #expect(report.granted == 3)
        #expect(report.failed == 1)
        #expect(report.holds == 3)
        #expect(report.resources == 2)
    }

    @Test func overlappingHoldsAreCaught() {
        let records = granted(worker: 1, op: 1, token: 1, start: 10, end: 30)
            + granted(worker: 2, op: 1, token: 2, start: 25, end: 40)
        let report = HistoryChecker.check(records)
        #expect(report.violations.map(\.kind) == [.overlap])
    }

    @Test func holdInsideALongerEarlierHoldIsCaught() {
        // The second hold ends before the third starts, but the first spans both.
        let records = granted(worker: 1, op: 1, token: 1, start: 10, end: 100)
            + granted(worker: 2, op: 1, token: 2, start: 20, end: 30)
            + granted(worker: 3, op: 1, token: 3, start: 40, end: 50)
        let kinds = HistoryChecker.check(records).violations.map(\.kind)
        #expect(kinds == [.overlap, .overlap])
    }

    @Test func nonGrowingTokensAreCaught() {
        let equal = granted(worker: 1, op: 1, token: 7, start: 10, end: 20)
            + granted(worker: 2, op: 1, token: 7, start: 20, end: 30)
        #expect(HistoryChecker.check(equal).violations.map(\.kind) == [.tokenOrder])
        let falling = granted(worker: 1, op: 1, token: 9, start: 10, end: 20)
            + granted(worker: 2, op: 1, token: 3, start: 21, end: 30)
            + granted(worker: 3, op: 1, token: 8, start: 31, end: 40)
        #expect(HistoryChecker.check(falling).violations.map(\.kind) == [.tokenOrder, .tokenOrder])
    }

    @Test func staleHolderRefusedByTheFencedStoreIsNotAnOverlap() {
        // Worker 1 lost its lock (paused, fenced); worker 2 got a higher token while 1 still ran.
        var records = granted(worker: 1, op: 1, token: 5, start: 10, end: 40)
            + granted(worker: 2, op: 1, token: 9, start: 20, end: 30)
        guard case .hold(var stale) = records[2] else { Issue.record("hold expected"); return }
        stale.accepted = false
        records[2] = .hold(stale)
        let report = HistoryChecker.check(records)
        #expect(report.violations.isEmpty)
        #expect(report.fencedOut == 1)
        // Had the store accepted it, the same history is an overlap.
        stale.accepted = true
        records[2] = .hold(stale)
        #expect(HistoryChecker.check(records).violations.map(\.kind) == [.overlap])
    }

    @Test func fencedStoreRefusesLowerTokens() throws {
        let path = NSTemporaryDirectory() + "nemesis-store-\(getpid()).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try HistoryLog(path: path)
        #expect(log.fencedWrite("r", token: 5))
        #expect(log.fencedWrite("r", token: 5))
        #expect(log.fencedWrite("r", token: 9))
        #expect(!log.fencedWrite("r", token: 5))
        #expect(log.fencedWrite("other", token: 1))
    }

    @Test func missingTokenIsCaught() {
        let records = granted(worker: 1, op: 1, token: 0, start: 10, end: 20)
        #expect(HistoryChecker.check(records).violations.map(\.kind) == [.tokenOrder])
    }

    @Test func lostOperationIsCaught() {
        let records: [HistoryRecord] = [.begin(OperationStart(worker: 4, node: 2, resource: "r", operation: 9, time: 1))]
        let report = HistoryChecker.check(records)
        #expect(report.violations.map(\.kind) == [.lostOperation])
    }

    @Test func stuckFinalRoundIsCaught() {
        let records: [HistoryRecord] = [.final(FinalAttempt(worker: 2, node: 1, resource: "hot1", granted: false))]
        #expect(HistoryChecker.check(records).violations.map(\.kind) == [.stuck])
    }

    @Test func tornLinesAreCaught() {
        let text = (granted(worker: 1, op: 1, token: 1, start: 10, end: 20).map(\.line) + ["hold w=2 n=1 r=r tok"])
            .joined(separator: "\n")
        let (records, unparsed) = HistoryRecord.parse(log: text)
        #expect(records.count == 3)
        #expect(unparsed == 1)
        #expect(HistoryChecker.check(records, unparsed: unparsed).violations.map(\.kind) == [.malformed])
    }

    @Test func everyRecordKindRoundTripsThroughItsLine() {
        let records: [HistoryRecord] = granted(worker: 3, op: 12, resource: "hot2", token: 1 << 41 | 5, start: 100, end: 200)
            + [.final(FinalAttempt(worker: 3, node: 2, resource: "hot2", granted: false))]
        let text = records.map(\.line).joined(separator: "\n")
        let (parsed, unparsed) = HistoryRecord.parse(log: text)
        #expect(parsed == records)
        #expect(unparsed == 0)
    }

    @Test func faultListsParse() throws {
        #expect(try FaultKind.parseList("survivable") == FaultKind.survivable)
        #expect(try FaultKind.parseList("kill,pause-long,kill") == [.kill, .pauseLong])
        #expect(throws: NemesisError.self) { try FaultKind.parseList("meteor") }
    }
}
