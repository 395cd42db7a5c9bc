// dlmd — DLMNodeTests: remote holders: GRANT and BAST from the master, LVB on the wire, fire-and-
// forget down-conversions, bast suppression on the holder. Node 1 masters; nodes 2 and 3 hold.

import DLMCore
import DLMEngine
import DLMNode
import DLMWire
import Testing

@Suite struct RemoteLockTests {
    static func block(_ byte: UInt8) -> ValueBlock { ValueBlock(bytes: [byte, byte, byte], length: 32) }

    /// An EX holder on node 2 down-converts to NL with VALBLK: it completes at once, the CONVERT
    /// carries the LVB, the master sends no CONVERT_REPLY, and node 3's PR request reads the LVB.
    @Test func downConversionIsFireAndForgetAndWritesTheValueBlock() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 1)
        _ = try bench.lock(1, name, .nl)
        let writer = try bench.lock(2, name, .ex, flags: .valueBlock, valueBlock: Self.block(0))
        bench.settle()
        bench.sent = []
        try bench.convert(2, writer, .nl, flags: .valueBlock, valueBlock: Self.block(7))
        #expect(bench.statuses(2, lock: writer) == [.granted, .granted])
        #expect(bench.lastCompletion(2)?.grantedMode == .nl)
        bench.settle()
        #expect(bench.sent == ["2>1:convert"])
        let reader = try bench.lock(3, name, .pr, flags: .valueBlock, valueBlock: Self.block(0))
        bench.settle()
        #expect(bench.statuses(3, lock: reader) == [.granted])
        #expect(bench.lastCompletion(3)?.valueBlock == Self.block(7))
    }

    /// An unlock from EX with VALBLK carries the LVB to the master.
    @Test func unlockCarriesTheValueBlock() throws {
        var bench = NodeBench(nodes: 2)
        let name = bench.name(directoryNode: 1)
        _ = try bench.lock(1, name, .nl)
        let writer = try bench.lock(2, name, .ex, flags: .valueBlock, valueBlock: Self.block(0))
        bench.settle()
        try bench.unlock(2, writer, flags: .valueBlock, valueBlock: Self.block(9))
        bench.settle()
        #expect(bench.statuses(2, lock: writer) == [.granted, .unlocked])
        #expect(bench.nodes[1]!.resourceSnapshot(lockspace: bench.lockspace, name: name)?.valueBlock == Self.block(9))
    }

    /// A blocked request from node 3 basts node 2's remote EX holder once (the repeated bast of
    /// the same mode is suppressed on delivery), and node 2's unlock lets the master GRANT node 3.
    @Test func remoteBastAndAsynchronousGrant() throws {
        var bench = NodeBench(nodes: 3)
        let name = bench.name(directoryNode: 1)
        let anchor = try bench.lock(1, name, .nl)
        let holder = try bench.lock(2, name, .ex)
        bench.settle()
        let waiter = try bench.lock(3, name, .pr)
        bench.settle()
        #expect(bench.basts(2).map(\.1) == [.pr])
        #expect(bench.basts(2).map(\.0) == [holder])
        #expect(bench.statuses(3, lock: waiter).isEmpty)
        try bench.unlock(2, holder)
        bench.settle()
        #expect(bench.statuses(3, lock: waiter) == [.granted])
        #expect(bench.sent.contains("1>3:grant"))
        #expect(bench.nodes[1]!.resourceSnapshot(lockspace: bench.lockspace, name: name)?.granted.count == 2)
        _ = anchor
    }

    /// NOQUEUE on a remote master that cannot grant: EAGAIN through the REQUEST_REPLY, lock freed.
    @Test func remoteNoQueueRefusal() throws {
        var bench = NodeBench(nodes: 2)
        let name = bench.name(directoryNode: 1)
        _ = try bench.lock(1, name, .ex)
        let id = try bench.lock(2, name, .cr, flags: .noQueue)
        bench.settle()
        #expect(bench.statuses(2, lock: id) == [.wouldBlock])
        #expect(bench.nodes[2]!.inspect(lockspace: bench.lockspace)!.lockCount == 0)
        #expect(throws: DLMErrno.ENOENT) { try bench.unlock(2, id) }
    }

    /// Holder-side validation gives the engine's errors synchronously for remote locks.
    @Test func remoteValidationErrors() throws {
        var bench = NodeBench(nodes: 2)
        let name = bench.name(directoryNode: 1)
        _ = try bench.lock(1, name, .nl)
        let id = try bench.lock(2, name, .cr)
        #expect(throws: DLMErrno.EBUSY) { try bench.convert(2, id, .ex) }
        bench.settle()
        #expect(throws: DLMErrno.EINVAL) { try bench.convert(2, id, .nl, flags: .queueConvert) }
        #expect(throws: DLMErrno.EINVAL) { try bench.lock(2, name, .cr, flags: .queueConvert) }
        #expect(throws: DLMErrno.ENOENT) { try bench.convert(2, 99, .ex) }
        #expect(try bench.unlock(2, id, flags: .cancel) == .noCompletion)
        #expect(throws: DLMErrno.EINVAL) { try bench.unlock(2, id, flags: [.cancel, .forceUnlock]) }
    }
}

/// Handle close and orphans on the node: local PERSISTENT locks become orphans that a new handle
/// adopts; remote non-PERSISTENT locks of a closed handle are force-unlocked and nothing more is
/// delivered; a remote PERSISTENT lock stays as a holder-side orphan, adopted or purged on its node.
@Suite struct HandleCloseTests {
    @Test func closeOrphansLocalPersistentAndReleasesRemoteLocks() throws {
        var bench = NodeBench(nodes: 2)
        let local = bench.name(directoryNode: 1)
        let remote = bench.name(directoryNode: 2)
        _ = try bench.lock(2, remote, .nl)
        bench.settle()
        bench.delivered = [:]
        _ = try bench.lock(1, local, .pr, flags: .persistent, handle: 5)
        _ = try bench.lock(1, remote, .ex, handle: 5)
        bench.settle()
        #expect(bench.completions(1).map(\.1) == [.granted, .granted])
        var directives: [NodeDirective] = []
        bench.nodes[1]!.closeHandle(lockspace: bench.lockspace, handle: 5, now: bench.now, directives: &directives)
        bench.absorb(directives, from: 1)
        #expect(bench.inFlight == ["1>2:unlock"])
        bench.settle()
        #expect(bench.completions(1).count == 2)
        #expect(bench.nodes[2]!.resourceSnapshot(lockspace: bench.lockspace, name: remote)?.granted.count == 1)
        #expect(bench.nodes[1]!.resourceSnapshot(lockspace: bench.lockspace, name: local)?.granted.first?.isOrphan == true)
        let adopted = try bench.lock(1, local, .pr, flags: .orphan, handle: 6)
        #expect(bench.nodes[1]!.holderView(lockspace: bench.lockspace, lockID: adopted)?.granted == .pr)
        #expect(throws: DLMErrno.ENOENT) { try bench.lock(1, remote, .pr, flags: .orphan, handle: 6) }
        try bench.unlock(1, adopted)
        #expect(bench.nodes[1]!.purgeOrphans(lockspace: bench.lockspace, pid: 0, now: bench.now, directives: &directives) == 0)
    }

    @Test func remotePersistentLockBecomesAHolderSideOrphan() throws {
        var bench = NodeBench(nodes: 2)
        let remote = bench.name(directoryNode: 2)
        _ = try bench.lock(2, remote, .nl)
        bench.settle()
        _ = try bench.lock(1, remote, .pr, flags: .persistent, handle: 5)
        bench.settle()
        var directives: [NodeDirective] = []
        bench.nodes[1]!.closeHandle(lockspace: bench.lockspace, handle: 5, now: bench.now, directives: &directives)
        #expect(directives.isEmpty, "nothing is sent for a granted PERSISTENT lock")
        #expect(bench.nodes[2]!.resourceSnapshot(lockspace: bench.lockspace, name: remote)?.granted.count == 2)
        #expect(throws: DLMErrno.EAGAIN) { try bench.lock(1, remote, .ex, flags: .orphan, handle: 6) }
        let adopted = try bench.lock(1, remote, .pr, flags: [.orphan, .persistent], handle: 6)
        #expect(bench.nodes[1]!.lockOwner(lockspace: bench.lockspace, lockID: adopted)?.handle == 6)
        bench.nodes[1]!.closeHandle(lockspace: bench.lockspace, handle: 6, now: bench.now, directives: &directives)
        #expect(bench.nodes[1]!.purgeOrphans(lockspace: bench.lockspace, pid: 0, now: bench.now, directives: &directives) == 1)
        bench.absorb(directives, from: 1)
        bench.settle()
        #expect(bench.nodes[2]!.resourceSnapshot(lockspace: bench.lockspace, name: remote)?.granted.count == 1)
        #expect(bench.nodes[1]!.clientLockCount(lockspace: bench.lockspace) == 0)
    }
}
