// Tests ResourceDirectory (first asker becomes master, REMOVE rules incl. the active-locally hook,
// rebuild from NAMES with duplicates/conflicts, NAMES reply paging) and MasterCache (inactive/toss
// expiry with instants passed in, uncertain reuse, forgetting departed masters).

import DLMCore
import Testing

@testable import DLMDirectory

@Suite struct ResourceDirectoryTests {
    private func name(_ text: String) -> ResourceName { try! ResourceName(text) }

    @Test func firstAskerBecomesMaster() {
        var directory = ResourceDirectory()
        #expect(directory.lookup(name("a"), asker: 2) == .created(master: 2))
        #expect(directory.lookup(name("a"), asker: 3) == .existing(master: 2))
        #expect(directory.lookup(name("a"), asker: 3).master == 2)
        #expect(directory.master(of: name("a")) == 2)
        #expect(directory.master(of: name("b")) == nil)
        #expect(directory.count == 1)
    }

    @Test func removeRules() {
        var directory = ResourceDirectory()
        _ = directory.lookup(name("a"), asker: 2)
        _ = directory.lookup(name("b"), asker: 2)
        #expect(directory.remove(name("zz"), from: 2, isActiveLocally: { _ in false }) == .notFound)
        #expect(directory.remove(name("a"), from: 3, isActiveLocally: { _ in false }) == .ignoredNotMaster(recorded: 2))
        #expect(directory.remove(name("a"), from: 2, isActiveLocally: { $0 == self.name("a") }) == .ignoredActiveLocally)
        #expect(directory.master(of: name("a")) == 2)
        #expect(directory.remove(name("a"), from: 2, isActiveLocally: { _ in false }) == .removed)
        #expect(directory.master(of: name("a")) == nil)
        directory.forget(name("b"))
        #expect(directory.count == 0)
        #expect(directory.lookup(name("a"), asker: 4) == .created(master: 4))
    }

    @Test func rebuildReplacesRecords() {
        var directory = ResourceDirectory()
        _ = directory.lookup(name("stale"), asker: 9)
        let report = directory.rebuild(
            from: [(name("a"), 1), (name("b"), 2), (name("a"), 1), (name("b"), 3), (name("skip"), 1)],
            keep: { $0 != self.name("skip") }
        )
        #expect(report.added == 2)
        #expect(report.duplicates == 1)
        #expect(report.conflicts == [name("b")])
        #expect(directory.snapshot.map(\.name) == [name("a"), name("b")])
        #expect(directory.master(of: name("b")) == 2)
        #expect(directory.master(of: name("stale")) == nil)
    }

    @Test func namesReplyPagesThroughOwnedNames() throws {
        let map = try DirectoryMap(members: [1, 2])
        let mastered = (0..<50).map { name("res\($0)") }
        let expected = mastered.filter { map.directoryNode(for: $0) == 1 }.sorted()
        #expect(!expected.isEmpty)
        var received: [ResourceName] = []
        var last: ResourceName? = nil
        var rounds = 0
        while true {
            let reply = ResourceDirectory.namesReply(mastered: mastered, for: 1, map: map, after: last, limit: 4)
            received += reply.names
            last = reply.names.last ?? last
            rounds += 1
            if reply.complete { break }
        }
        #expect(received == expected)
        #expect(rounds == expected.count / 4 + 1)
    }

    @Test func masterCacheTossAndExpiry() {
        var cache = MasterCache(tossDuration: .seconds(10))
        let start = MonotonicInstant(nanoseconds: 1_000)
        cache.record(name("a"), master: 2)
        cache.record(name("b"), master: 3)
        #expect(cache.nextExpiry == nil)
        cache.markInactive(name("a"), now: start)
        #expect(cache.nextExpiry == start.advanced(by: .seconds(10)))
        #expect(cache.expire(now: start.advanced(by: .seconds(9))).isEmpty)
        #expect(cache.expire(now: start.advanced(by: .seconds(10))) == [name("a")])
        #expect(cache.entry(for: name("a")) == nil)
        #expect(cache.entry(for: name("b"))?.master == 3)
        #expect(cache.count == 1)
    }

    @Test func masterCacheReuseIsUncertainUntilConfirmed() {
        var cache = MasterCache()
        #expect(cache.markActive(name("a")) == nil)
        cache.record(name("a"), master: 2)
        #expect(cache.markActive(name("a"))?.uncertain == false)
        cache.markInactive(name("a"), now: .zero)
        let reused = cache.markActive(name("a"))
        #expect(reused?.uncertain == true)
        #expect(reused?.inactiveSince == nil)
        #expect(cache.expire(now: MonotonicInstant.zero.advanced(by: .seconds(60))).isEmpty)
        cache.confirm(name("a"))
        #expect(cache.entry(for: name("a"))?.uncertain == false)
        cache.forget(name("a"))
        #expect(cache.entry(for: name("a")) == nil)
    }

    @Test func masterCacheForgetsDepartedMaster() {
        var cache = MasterCache()
        cache.record(name("a"), master: 2)
        cache.record(name("b"), master: 3)
        cache.record(name("c"), master: 2)
        #expect(cache.forgetMaster(2) == [name("a"), name("c")])
        #expect(cache.count == 1)
    }
}
