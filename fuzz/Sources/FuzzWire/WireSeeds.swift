// dlmd fuzz — the seed corpus of the peer-frame fuzzer: one valid frame of every message type (with
// and without LVBs where they apply) and a few pipelined streams, written by
// `DLM_FUZZ_WRITE_SEEDS=dir FuzzWire`.

import DLMCore
import DLMWire
import NIOCore

enum WireSeeds {
    static func name(_ text: String) -> ResourceName { try! ResourceName(text) }

    static func lockMessage(valueBlock: Bool) -> LockMessage {
        var message = LockMessage(name: name("seed-resource"))
        message.node = 3
        message.pid = 100
        message.lockID = 0x0001_0002
        message.remoteID = 0x0003_0004
        message.exflags = 0x8
        message.flags = 0x1
        message.lvbSequence = 2
        message.hash = 0xdead_beef
        message.result = -11
        message.grantedMode = .pr
        message.requestedMode = .ex
        message.bastMode = .ex
        message.status = .waiting
        message.asts = 2
        message.valueBlock = valueBlock ? ValueBlock(bytes: Array(repeating: 7, count: 32), length: 32) : nil
        return message
    }

    static func recoveryLock() -> RecoveryLock {
        var lock = RecoveryLock(name: name("transfer"))
        lock.ownerPID = 55
        lock.lockID = 9
        lock.remoteID = 10
        lock.requestedMode = .cw
        lock.grantedMode = .nl
        lock.status = .converting
        lock.asts = 1
        lock.waitType = 1
        lock.valueBlock = ValueBlock(bytes: [1, 2, 3, 4, 5, 6, 7, 8], length: 8)
        return lock
    }

    static func message(_ type: WireMessageType) -> WireMessage {
        if type.isLockMessage { return WireMessage.lock(type, lockMessage(valueBlock: type == .convert || type == .grant))! }
        let header = RecoveryHeader(result: 0, id: 42, sequence: 3, sequenceReply: 2)
        switch type {
        case .status: return .status(header, needSlots: true)
        case .statusReply:
            var reply = StatusReply()
            reply.lvbLength = 32
            reply.generation = 4
            reply.slots = [.init(node: 1, slot: 1), .init(node: 3, slot: 2)]
            return .statusReply(header, reply)
        case .names: return .names(header, lastName: name("after-this"))
        case .namesReply: return .namesReply(header, NamesReply(names: [name("x"), name("yy"), name("")], complete: true))
        case .recoveryLookup: return .recoveryLookup(header, name: name("who-masters"))
        case .recoveryLookupReply: return .recoveryLookupReply(header)
        case .lockTransfer: return .lockTransfer(header, recoveryLock())
        case .lockTransferReply: return .lockTransferReply(header, recoveryLock())
        case .hello: return .hello(Hello(node: 1, clusterName: "c1", nonce: Array(repeating: 1, count: 32), mac: Array(repeating: 2, count: 32)))
        case .helloReply: return .helloReply(Hello(node: 2, clusterName: "c1", nonce: Array(repeating: 3, count: 32), mac: Array(repeating: 4, count: 32)))
        case .heartbeat: return .heartbeat(sentAt: 987_654_321)
        case .lockspaceAnnounce:
            return .lockspaceAnnounce(LockspaceAnnounce(
                name: try! LockspaceName("seed-ls"), flags: 1, valueBlockLength: 32,
                masterWeights: [(node: 1, weight: 1), (node: 2, weight: 0)]))
        case .lockspaceQuery: return .lockspaceQuery
        default: return .ack
        }
    }

    static func frame(_ type: WireMessageType) -> WireFrame {
        let link = !type.isSequenced
        return WireFrame(lockspace: link ? 0 : 0x1234_5678, sender: 2, sequence: link ? 0 : 9, acknowledgement: 4, message: message(type))
    }

    static func bytes(_ frames: [WireFrame]) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        for frame in frames { try! frame.encode(into: &buffer) }
        return Array(buffer.readableBytesView)
    }

    static func all() -> [(name: String, bytes: [UInt8])] {
        var seeds = WireMessageType.allCases.map { (name: "frame-\($0)", bytes: bytes([frame($0)])) }
        seeds.append((name: "stream-lock", bytes: bytes([frame(.request), frame(.grant), frame(.ack), frame(.unlock)])))
        seeds.append((name: "stream-recovery", bytes: bytes([frame(.status), frame(.namesReply), frame(.lockTransfer)])))
        seeds.append((name: "stream-link", bytes: bytes([frame(.hello), frame(.helloReply), frame(.heartbeat)])))
        return seeds
    }
}
