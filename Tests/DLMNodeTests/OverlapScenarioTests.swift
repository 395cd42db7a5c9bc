// dlmd — DLMNodeTests: calls that overlap an outstanding remote operation (spec §5.2–5.4, edge cases
// 36–38). Node 1 masters the resource (it is its directory node); node 2 is the remote holder. The
// bench holds node 2's messages so each test can order replies and calls exactly.

import DLMCore
import DLMEngine
import DLMNode
import DLMWire
import Testing

@Suite struct OverlapScenarioTests {
    /// A bench where node 1 masters `name` and holds it in `held`.
    static func bench(held: LockMode) throws -> (NodeBench, ResourceName, LockID) {
        var bench = NodeBench(nodes: 2)
        let name = bench.name(directoryNode: 1)
        let holder = try bench.lock(1, name, held)
        bench.settle()
        bench.sent = []
        return (bench, name, holder)
    }

    /// Edge case 36: unlock while the request is in flight is EBUSY; FORCEUNLOCK is accepted and,
    /// once the master grants, the lock is unlocked (grant AST, then EUNLOCK).
    @Test func forceUnlockDuringRemoteRequest() throws {
        var (bench, name, _) = try Self.bench(held: .nl)
        let id = try bench.lock(2, name, .pr)
        #expect(throws: DLMErrno.EBUSY) { try bench.unlock(2, id) }
        #expect(try bench.unlock(2, id, flags: .forceUnlock) == .completionFollows)
        #expect(throws: DLMErrno.EINVAL) { try bench.unlock(2, id, flags: .forceUnlock) }
        bench.settle()
        #expect(bench.sent == ["2>1:lookup", "1>2:requestReply", "2>1:unlock", "1>2:unlockReply"])
        #expect(bench.statuses(2, lock: id) == [.granted, .unlocked])
        #expect(bench.nodes[2]!.inspect(lockspace: bench.lockspace)!.lockCount == 0)
    }

    /// Edge case 36, EAGAIN variant: the deferred force-unlock is dropped and only EAGAIN arrives.
    @Test func forceUnlockDuringRefusedRequest() throws {
        var (bench, name, _) = try Self.bench(held: .ex)
        let id = try bench.lock(2, name, .pr, flags: .noQueue)
        _ = try bench.unlock(2, id, flags: .forceUnlock)
        bench.settle()
        #expect(bench.statuses(2, lock: id) == [.wouldBlock])
        #expect(!bench.sent.contains("2>1:unlock"))
    }

    /// Edge case 37: cancel during the request: when the master queued it, CANCEL follows and the
    /// AST is ECANCEL.
    @Test func cancelDuringRequestThatGetsQueued() throws {
        var (bench, name, _) = try Self.bench(held: .ex)
        let id = try bench.lock(2, name, .pr)
        #expect(try bench.unlock(2, id, flags: .cancel) == .completionFollows)
        #expect(throws: DLMErrno.EINVAL) { try bench.unlock(2, id, flags: .cancel) }
        bench.settle()
        #expect(bench.sent == ["2>1:lookup", "1>2:requestReply", "2>1:cancel", "1>2:cancelReply"])
        #expect(bench.statuses(2, lock: id) == [.cancelled])
    }

    /// Edge case 37: cancel during the request: when the master granted it, only the grant AST.
    @Test func cancelDuringRequestThatGetsGranted() throws {
        var (bench, name, _) = try Self.bench(held: .nl)
        let id = try bench.lock(2, name, .pr)
        _ = try bench.unlock(2, id, flags: .cancel)
        bench.settle()
        #expect(bench.statuses(2, lock: id) == [.granted])
        #expect(!bench.sent.contains("2>1:cancel"))
    }

    /// Edge case 38: a CANCEL sent while the conversion is in flight crosses it; the master grants
    /// the conversion first, so the AST is 0 and the cancel is silently void.
    @Test func cancelCrossesGrantedConversion() throws {
        var (bench, name, _) = try Self.bench(held: .nl)
        let id = try bench.lock(2, name, .nl)
        bench.settle()
        try bench.convert(2, id, .ex)
        #expect(throws: DLMErrno.EBUSY) { try bench.unlock(2, id) }
        #expect(try bench.unlock(2, id, flags: .cancel) == .completionFollows)
        #expect(bench.inFlight == ["2>1:convert", "2>1:cancel"])
        bench.settle()
        #expect(bench.statuses(2, lock: id) == [.granted, .granted])
        #expect(bench.completions(2).last?.2 == .ex)
        #expect(bench.sent.suffix(2) == ["1>2:convertReply", "1>2:cancelReply"])
    }

    /// A queued conversion is cancelled: ECANCEL, and the lock keeps its granted mode.
    @Test func cancelQueuedConversion() throws {
        var (bench, name, holder) = try Self.bench(held: .pr)
        let id = try bench.lock(2, name, .pr)
        bench.settle()
        try bench.convert(2, id, .ex)
        bench.settle()
        #expect(bench.basts(1).map(\.1) == [.ex])
        _ = try bench.unlock(2, id, flags: .cancel)
        bench.settle()
        #expect(bench.statuses(2, lock: id) == [.granted, .cancelled])
        #expect(bench.completions(2).last?.2 == .pr)
        try bench.unlock(1, holder)
        bench.settle()
        #expect(bench.nodes[2]!.holderView(lockspace: bench.lockspace, lockID: id)?.granted == .pr)
    }

    /// A lock waiting on another lock's lookup is cancelled at once (ECANCEL, nothing sent).
    @Test func cancelWhileWaitingOnAnotherLocksLookup() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 3)
        let carrier = try bench.lock(2, name, .pr)
        let waiting = try bench.lock(2, name, .cr)
        #expect(bench.inFlight == ["2>3:lookup"])
        #expect(try bench.unlock(2, waiting, flags: .cancel) == .completionFollows)
        #expect(bench.statuses(2, lock: waiting) == [.cancelled])
        bench.settle()
        #expect(bench.statuses(2, lock: carrier) == [.granted])
        #expect(bench.sent == ["2>3:lookup", "3>2:lookupReply"])
    }
}
