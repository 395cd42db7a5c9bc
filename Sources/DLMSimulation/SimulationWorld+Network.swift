// dlmd — DLMSimulation: the fake network: per-link FIFO with random delays, replayed frames, link
// drops and reconnects; every frame is encoded and decoded with DLMWire.

import DLMCore
import DLMNode
import DLMWire
import NIOCore

extension SimulationWorld {
    /// Carries out the directives of `owner`'s session with `peer` (`sessions[owner][peer]`).
    mutating func perform(_ directives: [ReliableSession<Outbound>.Directive], at owner: Int, peer: Int) {
        for directive in directives {
            switch directive {
            case .transmit(let sequence, let acknowledgement, let payload):
                let frame = WireFrame(
                    lockspace: payload.lockspace, sender: NodeID(owner + 1), sequence: sequence,
                    acknowledgement: acknowledgement, message: payload.message)
                transmit(frame, from: owner, to: peer, generation: payload.generation)
            case .sendAck(let acknowledgement):
                let frame = WireFrame(lockspace: 0, sender: NodeID(owner + 1), acknowledgement: acknowledgement, message: .ack)
                transmit(frame, from: owner, to: peer)
            case .deliver(let payload):
                report.messagesDelivered += 1
                if options.trace { print("\(now / 1000)us \(peer + 1)->\(owner + 1) \(payload.message)") }
                var out: [NodeDirective] = []
                nodes[owner].onMessage(
                    payload.message, lockspace: payload.lockspace, from: NodeID(peer + 1), generation: payload.generation,
                    now: MonotonicInstant(nanoseconds: now), directives: &out)
                carryOut(out, node: owner)
            case .dropped:
                report.framesDropped += 1
            }
        }
    }

    /// Encodes `frame` and schedules its arrival after a random delay, never before earlier frames
    /// of the same link (TCP order); sometimes schedules a replayed copy as well.
    mutating func transmit(_ frame: WireFrame, from: Int, to: Int, generation: UInt64 = 0) {
        if isCut(from, to) {
            report.framesDropped += 1
            return
        }
        let bytes: ByteBuffer
        do {
            bytes = try frame.encoded()
        } catch {
            checker.fail("frame refused by the encoder: \(error) \(frame.type)")
            return
        }
        let delay = UInt64.random(in: 1...options.delayMicrosecondsMax, using: &rng) * 1000
        let arrival = max(now + delay, lastArrival[from][to])
        lastArrival[from][to] = arrival
        let epoch = epochs[min(from, to)][max(from, to)]
        queue.push(.arrive(from: from, to: to, epoch: epoch, frame: bytes, generation: generation), at: arrival)
        if frame.type.isSequenced && rng.chance(options.replayPercent) {
            let replay = arrival + UInt64.random(in: 1...options.delayMicrosecondsMax, using: &rng) * 1000
            lastArrival[from][to] = replay
            queue.push(.arrive(from: from, to: to, epoch: epoch, frame: bytes, generation: generation), at: replay)
        }
    }

    /// A frame reaches `to`: decoded, then handed to the receiving session (or dropped when its
    /// connection is gone).
    mutating func arrive(from: Int, to: Int, epoch: Int, frame bytes: ByteBuffer, generation: UInt64) {
        guard alive[to], alive[from], epochs[min(from, to)][max(from, to)] == epoch else {
            report.framesDropped += 1
            return
        }
        var buffer = bytes
        let decoded: WireFrame?
        do {
            decoded = try WireFrameDecoder.decodeFrame(from: &buffer)
        } catch {
            checker.fail("frame refused by the decoder: \(error)")
            return
        }
        guard let frame = decoded, buffer.readableBytes == 0, frame.sender == NodeID(from + 1) else {
            checker.fail("frame did not decode to exactly one frame from node \(from + 1)")
            return
        }
        if frame.type.isSequenced {
            let directives = sessions[to][from].onFrame(
                sequence: frame.sequence, acknowledgement: frame.acknowledgement,
                payload: Outbound(lockspace: frame.lockspace, message: frame.message, generation: generation))
            perform(directives, at: to, peer: from)
            if rng.chance(10) { perform(sessions[to][from].flushAcknowledgement(), at: to, peer: from) }
        } else {
            sessions[to][from].onAcknowledgement(frame.acknowledgement)
        }
    }

    /// Drops the connection between `a` and `b`: frames in flight are lost, sessions keep theirs.
    mutating func dropLink(_ a: Int, _ b: Int) {
        epochs[min(a, b)][max(a, b)] += 1
        sessions[a][b].onDisconnected()
        sessions[b][a].onDisconnected()
        report.linkDrops += 1
        queue.push(.reconnect(a, b), at: now + UInt64.random(in: 100...2000, using: &rng) * 1000)
    }

    mutating func reconnect(_ a: Int, _ b: Int) {
        // A partition keeps the connection down; healing reconnects it.
        guard !isCut(a, b) && !isCut(b, a) else { return }
        perform(sessions[a][b].onConnected(), at: a, peer: b)
        perform(sessions[b][a].onConnected(), at: b, peer: a)
    }
}
