// Test support for DLMWire: a seeded generator (SplitMix64) and sample frames of every message
// type, both hand-picked (fixed values for fixtures) and random (seeded, covering field ranges).

import DLMCore
import DLMWire

/// SplitMix64: small, fast, and reproducible from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum WireSamples {
    static func name(_ text: String) -> ResourceName { try! ResourceName(text) }

    /// A fixed lock message with every field set to a distinct value.
    static func lockMessage(name text: String = "MyLock", valueBlock: Bool = false) -> LockMessage {
        var message = LockMessage(name: name(text))
        message.node = 2
        message.pid = 4242
        message.lockID = 0x0001_0003
        message.remoteID = 0x0002_0001
        message.exflags = 0x0000_0008
        message.sbflags = 0x01
        message.flags = 0x01
        message.lvbSequence = 7
        message.hash = 0x0fd6_3a45
        message.result = -115
        message.grantedMode = .nl
        message.requestedMode = .ex
        message.bastMode = .pr
        message.status = .converting
        message.asts = 3
        message.valueBlock = valueBlock ? ValueBlock(bytes: Array(1...32), length: 32) : nil
        return message
    }

    static func recoveryLock() -> RecoveryLock {
        var lock = RecoveryLock(name: name("res-1"))
        lock.ownerPID = 99
        lock.lockID = 5
        lock.remoteID = 6
        lock.exflags = 0x08
        lock.flags = 0x02
        lock.lvbSequence = 12
        lock.result = -17
        lock.requestedMode = .pr
        lock.grantedMode = nil
        lock.status = .granted
        lock.asts = 1
        lock.waitType = 2
        lock.valueBlock = ValueBlock(bytes: [0xAA, 0xBB], length: 8)
        return lock
    }

    static let recoveryHeader = RecoveryHeader(result: -3, id: 0x1122_3344_5566_7788, sequence: 41, sequenceReply: 40)

    /// One hand-picked message of `type`.
    static func message(_ type: WireMessageType) -> WireMessage {
        if type.isLockMessage {
            return WireMessage.lock(type, lockMessage(valueBlock: type == .convert || type == .grant))!
        }
        switch type {
        case .status: return .status(recoveryHeader, needSlots: true)
        case .statusReply:
            var reply = StatusReply()
            reply.lvbLength = 32
            reply.lockspaceFlags = 0x4
            reply.flags = 1
            reply.ourSlot = 2
            reply.generation = 9
            reply.slots = [.init(node: 1, slot: 1), .init(node: 2, slot: 2)]
            return .statusReply(recoveryHeader, reply)
        case .names: return .names(recoveryHeader, lastName: name("last"))
        case .namesReply: return .namesReply(recoveryHeader, NamesReply(names: [name("a"), name("bb")], complete: false))
        case .recoveryLookup: return .recoveryLookup(recoveryHeader, name: name("MyLock"))
        case .recoveryLookupReply: return .recoveryLookupReply(RecoveryHeader(result: 3, id: 1, sequence: 2, sequenceReply: 2))
        case .lockTransfer: return .lockTransfer(recoveryHeader, recoveryLock())
        case .lockTransferReply: return .lockTransferReply(recoveryHeader, recoveryLock())
        case .hello: return .hello(Hello(node: 1, clusterName: "alpha", nonce: Array(0..<32), mac: Array(repeating: 0, count: 32), incarnation: 7))
        case .helloReply: return .helloReply(Hello(node: 2, clusterName: "alpha", nonce: Array(32..<64), mac: Array(64..<96)))
        case .heartbeat: return .heartbeat(sentAt: 1_234_567_890)
        case .viewHeartbeat: return .viewHeartbeat(incarnation: 0x0102_0304, generation: 9)
        case .viewStop: return .viewStop(viewPayload)
        case .viewStopAck: return .viewStopAck(generation: 10)
        case .viewNack: return .viewNack(highest: 11)
        case .viewCommit: return .viewCommit(viewPayload)
        case .viewFenced: return .viewFenced(ViewMember(node: 3, incarnation: 0x0a0b_0c0d))
        default: return .ack
        }
    }

    static let viewPayload = ViewPayload(
        generation: 10, members: [ViewMember(node: 1, incarnation: 0x11), ViewMember(node: 2, incarnation: 0x22)])

    /// One hand-picked frame of `type`.
    static func frame(_ type: WireMessageType) -> WireFrame {
        let link = !type.isSequenced
        return WireFrame(
            lockspace: link || type.isMembership ? 0 : 0x5378_88af,
            sender: 1,
            sequence: link ? 0 : 17,
            acknowledgement: 5,
            message: message(type)
        )
    }

    // MARK: - Random values

    static func randomBytes(_ count: Int, using rng: inout SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    static func randomName(using rng: inout SeededGenerator) -> ResourceName {
        try! ResourceName(bytes: randomBytes(Int.random(in: 0...Limits.resourceNameBytesMax, using: &rng), using: &rng))
    }

    static func randomMode(using rng: inout SeededGenerator) -> LockMode? {
        Bool.random(using: &rng) ? nil : LockMode.allCases.randomElement(using: &rng)
    }

    static func randomValueBlock(using rng: inout SeededGenerator) -> ValueBlock? {
        guard Bool.random(using: &rng) else { return nil }
        let bytes = randomBytes(Int.random(in: 0...Limits.valueBlockBytesMax, using: &rng), using: &rng)
        return ValueBlock(bytes: bytes, length: bytes.count)
    }

    static func randomLock(using rng: inout SeededGenerator) -> LockMessage {
        var m = LockMessage(name: randomName(using: &rng))
        m.node = rng.next32(); m.pid = rng.next32(); m.lockID = rng.next32(); m.remoteID = rng.next32()
        m.exflags = rng.next32(); m.sbflags = rng.next32(); m.flags = rng.next32()
        m.lvbSequence = rng.next32(); m.hash = rng.next32(); m.result = Int32(bitPattern: rng.next32())
        m.grantedMode = randomMode(using: &rng)
        m.requestedMode = randomMode(using: &rng) ?? .cr
        m.bastMode = randomMode(using: &rng) ?? .ex
        m.status = [.none, .waiting, .granted, .converting].randomElement(using: &rng)!
        m.asts = UInt8.random(in: 0...3, using: &rng)
        m.valueBlock = randomValueBlock(using: &rng)
        return m
    }

    static func randomRecoveryLock(using rng: inout SeededGenerator) -> RecoveryLock {
        var lock = RecoveryLock(name: randomName(using: &rng))
        lock.ownerPID = rng.next32(); lock.lockID = rng.next32(); lock.remoteID = rng.next32()
        lock.exflags = rng.next32(); lock.flags = rng.next32(); lock.lvbSequence = rng.next32()
        lock.result = Int32(bitPattern: rng.next32())
        lock.requestedMode = randomMode(using: &rng)
        lock.grantedMode = randomMode(using: &rng)
        lock.status = [.none, .waiting, .granted, .converting].randomElement(using: &rng)!
        lock.asts = UInt8.random(in: 0...3, using: &rng)
        lock.waitType = UInt16.random(in: 0...UInt16.max, using: &rng)
        lock.valueBlock = randomValueBlock(using: &rng)
        return lock
    }

    static func randomHeader(using rng: inout SeededGenerator) -> RecoveryHeader {
        RecoveryHeader(result: Int32(bitPattern: rng.next32()), id: rng.next(), sequence: rng.next(), sequenceReply: rng.next())
    }

    static func randomHello(using rng: inout SeededGenerator) -> Hello {
        let nameLength = Int.random(in: 1...Hello.clusterNameBytesMax, using: &rng)
        let clusterName = String((0..<nameLength).map { _ in "abcdefghijklmnopqrstuvwxyz-0123456789".randomElement(using: &rng)! })
        return Hello(node: rng.next32(), clusterName: clusterName, nonce: randomBytes(32, using: &rng), mac: randomBytes(32, using: &rng), incarnation: rng.next())
    }

    /// A random message of `type`, every field drawn from its valid range.
    static func randomMessage(_ type: WireMessageType, using rng: inout SeededGenerator) -> WireMessage {
        if type.isLockMessage { return WireMessage.lock(type, randomLock(using: &rng))! }
        let header = randomHeader(using: &rng)
        switch type {
        case .status: return .status(header, needSlots: Bool.random(using: &rng))
        case .statusReply:
            var reply = StatusReply()
            reply.lvbLength = rng.next32(); reply.lockspaceFlags = rng.next32(); reply.flags = rng.next32()
            reply.ourSlot = UInt16.random(in: 0...UInt16.max, using: &rng); reply.generation = rng.next32()
            reply.slots = (0..<Int.random(in: 0...40, using: &rng)).map { _ in
                .init(node: rng.next32(), slot: UInt16.random(in: 0...UInt16.max, using: &rng))
            }
            return .statusReply(header, reply)
        case .names: return .names(header, lastName: randomName(using: &rng))
        case .namesReply:
            let names = (0..<Int.random(in: 0...50, using: &rng)).map { _ in randomName(using: &rng) }
            return .namesReply(header, NamesReply(names: names, complete: Bool.random(using: &rng)))
        case .recoveryLookup: return .recoveryLookup(header, name: randomName(using: &rng))
        case .recoveryLookupReply: return .recoveryLookupReply(header)
        case .lockTransfer: return .lockTransfer(header, randomRecoveryLock(using: &rng))
        case .lockTransferReply: return .lockTransferReply(header, randomRecoveryLock(using: &rng))
        case .hello: return .hello(randomHello(using: &rng))
        case .helloReply: return .helloReply(randomHello(using: &rng))
        case .heartbeat: return .heartbeat(sentAt: rng.next())
        case .viewHeartbeat: return .viewHeartbeat(incarnation: rng.next32(), generation: rng.next())
        case .viewStop, .viewCommit:
            let members = (0..<Int.random(in: 0...40, using: &rng)).map { _ in ViewMember(node: rng.next32(), incarnation: rng.next32()) }
            let view = ViewPayload(generation: rng.next(), members: members)
            return type == .viewStop ? .viewStop(view) : .viewCommit(view)
        case .viewStopAck: return .viewStopAck(generation: rng.next())
        case .viewNack: return .viewNack(highest: rng.next())
        case .viewFenced: return .viewFenced(ViewMember(node: rng.next32(), incarnation: rng.next32()))
        default: return .ack
        }
    }

    static func randomFrame(_ type: WireMessageType, using rng: inout SeededGenerator) -> WireFrame {
        WireFrame(
            lockspace: rng.next32(),
            sender: rng.next32(),
            sequence: rng.next32(),
            acknowledgement: rng.next32(),
            message: randomMessage(type, using: &rng),
            generation: type.isSequenced && !type.isMembership && Bool.random(using: &rng) ? rng.next() : nil
        )
    }
}

extension SeededGenerator {
    mutating func next32() -> UInt32 { UInt32(truncatingIfNeeded: next()) }
}
