// Tests LockTable, the node's dense lock-id table, against a Dictionary model: seeded inserts,
// in-place modifications (including through optional chaining on absent ids), removals, and that
// count, keys, values and (key, value) iteration agree with the model after every step; plus that a
// table whose ids were all removed ends empty.

import DLMCore
import Testing

@testable import DLMNode

@Suite struct LockTableTests {
    @Test func seededAgainstDictionary() {
        var table = LockTable<Int>()
        var model: [LockID: Int] = [:]
        var rng = SplitMix64(seed: 0x10c7ab1e)
        for step in 0..<4000 {
            let id = LockID(1 + rng.next() % 300)
            switch rng.next() % 5 {
            case 0, 1:
                table[id] = step
                model[id] = step
            case 2:
                table[id]? += 1
                model[id]? += 1
            case 3:
                #expect(table.removeValue(forKey: id) == model.removeValue(forKey: id))
            default:
                table[id] = nil
                model[id] = nil
            }
            #expect(table[id] == model[id])
            #expect(table.count == model.count)
        }
        #expect(table.keys == model.keys.sorted())
        #expect(Array(table.values) == model.keys.sorted().map { model[$0]! })
        #expect(table.map { $0.key } == model.keys.sorted())
        #expect(table.map { $0.value } == model.keys.sorted().map { model[$0]! })
    }

    @Test func absentAndInvalidIdsFindNothing() {
        var table = LockTable<String>()
        table[7]? = "ignored"
        #expect(table[7] == nil && table.isEmpty)
        #expect(table[0] == nil)
        table[3] = "three"
        #expect(table[0] == nil && table[4] == nil && table[3] == "three")
        table[3]?.append("!")
        #expect(table[3] == "three!")
        table = [:]
        #expect(table.isEmpty && table[3] == nil)
        let literal: LockTable<String> = [2: "two", 9: "nine"]
        #expect(literal.keys == [2, 9] && literal.count == 2 && literal[9] == "nine")
    }

    @Test func emptiedTableIsEmpty() {
        var table = LockTable<UInt64>()
        for id in LockID(1)...1000 { table[id] = UInt64(id) }
        #expect(table.count == 1000)
        for id in LockID(1)...1000 { table[id] = nil }
        #expect(table.isEmpty && table.keys.isEmpty && table.values.first(where: { _ in true }) == nil)
    }
}
