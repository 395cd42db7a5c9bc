// Tests GrantQueue, a resource's grant queue with its oldest holder inline, against a plain array
// model: seeded appends and removals (newest, oldest, middle, absent ids) keep the same elements in
// the same order, and the reversed view (the kernel's head-first order) matches the model's.

import DLMCore
import Testing

@testable import DLMEngine

@Suite struct GrantQueueTests {
    @Test func seededAgainstArray() {
        var queue = GrantQueue()
        var model: [LockID] = []
        var rng = SplitMix64(seed: 0x6a7e)
        var next: LockID = 1
        for _ in 0..<5000 {
            if model.isEmpty || rng.next() % 3 == 0 {
                queue.append(next)
                model.append(next)
                next += 1
            } else {
                let pick = rng.next() % 4
                let id: LockID
                switch pick {
                case 0: id = model.last!
                case 1: id = model.first!
                case 2: id = model[Int(rng.next() % UInt64(model.count))]
                default: id = next + 7  // never handed out
                }
                let expected = model.firstIndex(of: id).map { model.remove(at: $0) } != nil
                let removed = queue.remove(id)
                #expect(removed == expected)
            }
            #expect(Array(queue) == model)
        }
        #expect(Array(queue.reversed()) == Array(model.reversed()))
    }

    @Test func emptiesAndRefills() {
        var queue = GrantQueue()
        #expect(queue.isEmpty && queue.count == 0)
        queue.append(5)
        #expect(Array(queue) == [5])
        let removedOnce = queue.remove(5)
        let removedTwice = queue.remove(5)
        #expect(removedOnce && !removedTwice && queue.isEmpty)
        queue.append(6)
        queue.append(7)
        let removed = queue.remove(6)
        #expect(removed && Array(queue) == [7] && queue.first == 7)
    }
}
