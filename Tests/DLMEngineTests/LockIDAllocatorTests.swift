// Tests LockIDAllocator: ids start at 1, the lowest free id is always handed out first (spec §2.7,
// edge case 56), by allocating and releasing in scripted and seeded orders against a plain set model,
// and releasing 10^5 ids in ascending order (a handle closing with that many locks; the node layer uses
// this allocator too) ends with every id free and the lowest handed out first.

import Testing
@testable import DLMEngine

@Suite struct LockIDAllocatorTests {
    @Test func lowestFreeIdFirst() {
        var allocator = LockIDAllocator()
        #expect((1...5).map { _ in allocator.allocate() } == [1, 2, 3, 4, 5])
        allocator.release(4)
        allocator.release(2)
        #expect(allocator.allocate() == 2)
        #expect(allocator.allocate() == 4)
        #expect(allocator.allocate() == 6)
        #expect(allocator.inUseCount == 6)
    }

    @Test func seededAgainstSetModel() {
        var allocator = LockIDAllocator()
        var inUse = Set<UInt32>()
        var state: UInt64 = 0x5eed
        for _ in 0..<1500 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            if inUse.isEmpty || state >> 62 != 0 {
                let expected = (1...).first { !inUse.contains(UInt32($0)) }.map(UInt32.init)!
                let id = allocator.allocate()
                #expect(id == expected)
                inUse.insert(id)
            } else {
                let victim = inUse.sorted()[Int((state >> 20) % UInt64(inUse.count))]
                inUse.remove(victim)
                allocator.release(victim)
            }
            #expect(allocator.inUseCount == inUse.count)
        }
    }

    @Test func bulkReleaseInAscendingOrder() {
        var allocator = LockIDAllocator()
        let count: UInt32 = 100_000
        let handedOut = (1...count).map { _ in allocator.allocate() }
        #expect(handedOut == Array(1...count))
        // Keep id 1 so the released ids cannot simply shrink the fresh counter.
        for id in 2...count { allocator.release(id) }
        #expect(allocator.inUseCount == 1)
        #expect((0..<3).map { _ in allocator.allocate() } == [2, 3, 4])
        allocator.release(1)
        #expect(allocator.allocate() == 1)
        #expect(allocator.inUseCount == 4)
    }
}
