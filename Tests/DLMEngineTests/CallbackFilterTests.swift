// Tests CallbackFilter, the delivery-side bast suppression of spec §2.6: feeds scripted callback
// sequences for one lock and checks which basts it lets through.

import DLMCore
import Testing
@testable import DLMEngine

@Suite struct CallbackFilterTests {
    @Test func basteCompatibleWithLastCompletionDropped() {
        var filter = CallbackFilter()
        filter.completionQueued(grantedMode: .pr)
        let passed1 = filter.shouldQueueBlocking(mode: .cr)
        #expect(!passed1)
        let passed2 = filter.shouldQueueBlocking(mode: .pr)
        #expect(!passed2)
        let passed3 = filter.shouldQueueBlocking(mode: .cw)
        #expect(passed3)
    }

    @Test func beforeAnyCompletionEverythingPasses() {
        var filter = CallbackFilter()
        let passed4 = filter.shouldQueueBlocking(mode: .cr)
        #expect(passed4)
    }

    @Test func repeatedSameModeDropped() {
        var filter = CallbackFilter()
        filter.completionQueued(grantedMode: .ex)
        let passed5 = filter.shouldQueueBlocking(mode: .pr)
        #expect(passed5)
        let passed6 = filter.shouldQueueBlocking(mode: .pr)
        #expect(!passed6)
        let passed7 = filter.shouldQueueBlocking(mode: .ex)
        #expect(passed7)
    }

    @Test func lowerAfterHigherAbovePRDropped() {
        var filter = CallbackFilter()
        filter.completionQueued(grantedMode: .ex)
        let passed8 = filter.shouldQueueBlocking(mode: .pw)
        #expect(passed8)
        let passed9 = filter.shouldQueueBlocking(mode: .cr)
        #expect(!passed9)
        var other = CallbackFilter()
        other.completionQueued(grantedMode: .ex)
        let passed10 = other.shouldQueueBlocking(mode: .pr)
        #expect(passed10)
        let passed11 = other.shouldQueueBlocking(mode: .cw)
        #expect(passed11)
    }

    @Test func completionBetweenBastsResetsRepeatRule() {
        var filter = CallbackFilter()
        filter.completionQueued(grantedMode: .ex)
        let passed12 = filter.shouldQueueBlocking(mode: .ex)
        #expect(passed12)
        filter.completionQueued(grantedMode: .ex)
        let passed13 = filter.shouldQueueBlocking(mode: .ex)
        #expect(passed13)
        #expect(filter.lastCompletionMode == .ex && filter.previousBlockingMode == .ex)
    }
}
