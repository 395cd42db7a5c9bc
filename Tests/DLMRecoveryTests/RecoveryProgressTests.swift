// dlmd — DLMRecoveryTests: the recovery barrier (DONE from every peer plus every lock transfer
// answered) and stale-message rejection by recovery sequence, driven by hand.

import DLMCore
import DLMRecovery
import Testing

@Suite struct RecoveryProgressTests {
    @Test func barrierNeedsEveryPeerAndEveryTransfer() {
        var progress = RecoveryProgress(sequence: 7, peers: [2, 3])
        progress.transferSent(11)
        let r1 = progress.peerDone(2, sequence: 7)
        #expect(r1)
        #expect(!progress.isComplete)
        let r2 = progress.peerDone(3, sequence: 7)
        #expect(r2)
        #expect(!progress.isComplete, "transfer 11 is unanswered")
        let r3 = progress.transferAnswered(11, sequence: 7)
        #expect(r3)
        #expect(progress.isComplete)
    }

    @Test func staleReportsAreRejected() {
        var progress = RecoveryProgress(sequence: 7, peers: [2])
        progress.transferSent(5)
        let r4 = progress.peerDone(2, sequence: 6)
        #expect(!r4)
        let r5 = progress.peerDone(4, sequence: 7)
        #expect(!r5, "not a member of this recovery")
        let r6 = progress.transferAnswered(5, sequence: 6)
        #expect(!r6)
        let r7 = progress.transferAnswered(9, sequence: 7)
        #expect(!r7)
        #expect(!progress.isComplete)
    }

    @Test func messageDispositionByGeneration() {
        #expect(RecoveryProgress.disposition(generation: 3, current: 4, phase: .running, isRecoveryTraffic: false) == .drop)
        #expect(RecoveryProgress.disposition(generation: 5, current: 4, phase: .running, isRecoveryTraffic: false) == .hold)
        #expect(RecoveryProgress.disposition(generation: 4, current: 4, phase: .running, isRecoveryTraffic: false) == .process)
        #expect(RecoveryProgress.disposition(generation: 4, current: 4, phase: .rebuilding, isRecoveryTraffic: false) == .hold)
        #expect(RecoveryProgress.disposition(generation: 4, current: 4, phase: .rebuilding, isRecoveryTraffic: true) == .process)
        #expect(RecoveryProgress.disposition(generation: 4, current: 4, phase: .stopped, isRecoveryTraffic: true) == .hold)
        #expect(RecoveryProgress.disposition(generation: 4, current: 4, phase: .inquorate, isRecoveryTraffic: false) == .hold)
    }
}
