// dlmd — DLMTransport: frames arriving on a connection: the handshake, then the reliable session.

import DLMCore
import DLMWire
import Logging
import NIOCore

extension PeerTransport {
    /// A decoded frame arrived on `connection`.
    func frameReceived(_ frame: WireFrame, on connection: PeerConnection) {
        guard !connection.isClosing else { return }
        guard let node = connection.peer else { return handshakeFrame(frame, on: connection) }
        guard let state = peers[node], state.connection === connection else { return }
        guard frame.sender == node else {
            logger.warning("peer frame sender mismatch", metadata: ["dlm.node": "\(node)", "dlm.sender": "\(frame.sender)"])
            connectionFailed(connection, error: WireError.malformed(.headerFlags))
            return
        }
        state.lastHeard = .now()
        if frame.type.isSequenced {
            let payload = PeerMessage(lockspace: frame.lockspace, message: frame.message, generation: frame.generation)
            execute(
                state.session.onFrame(sequence: frame.sequence, acknowledgement: frame.acknowledgement, payload: payload),
                for: state
            )
            return
        }
        switch frame.message {
        case .heartbeat, .ack:
            state.session.onAcknowledgement(frame.acknowledgement)
        case .viewHeartbeat:
            state.session.onAcknowledgement(frame.acknowledgement)
            onLinkMessage?(node, frame.message)
        default:
            refuse(connection, reason: .unexpectedMessage)
        }
    }

    /// The end of a read burst: acknowledge what was delivered if nothing carried the ack yet.
    func readBurstEnded(on connection: PeerConnection) {
        guard let node = connection.peer, let state = peers[node], state.connection === connection else { return }
        execute(state.session.flushAcknowledgement(), for: state)
    }

    private func handshakeFrame(_ frame: WireFrame, on connection: PeerConnection) {
        guard frame.type == .hello || frame.type == .helloReply else {
            return refuse(connection, reason: .unexpectedMessage)
        }
        let outcome = connection.handshake.onMessage(frame.message, sender: frame.sender, remoteHost: connection.remoteHost)
        switch outcome {
        case .send(let message):
            write(message, on: connection, flush: true)
        case .refused(let reason):
            refuse(connection, reason: reason)
        case .authenticated(let peer, let incarnation, let reply):
            if let reply { write(reply, on: connection, flush: false) }
            attach(connection, to: peer, incarnation: incarnation)
        }
    }

    /// Makes an authenticated connection the peer's link: replaces an older one, resets the session
    /// for a new incarnation, then resends everything unacknowledged.
    private func attach(_ connection: PeerConnection, to node: NodeID, incarnation: UInt64) {
        connection.handshakeTimeout?.cancel()
        connection.handshakeTimeout = nil
        pending.removeValue(forKey: ObjectIdentifier(connection))
        guard let state = peers[node] else {
            invariant(false, "handshake authenticated an unconfigured peer", dump: "\(node)")
            return
        }
        if let old = state.connection {
            logger.debug("peer link replaced", metadata: ["dlm.node": "\(node)"])
            state.connection = nil
            state.session.onDisconnected()
            old.isClosing = true
            old.channel.close(promise: nil)
        }
        if let known = state.incarnation, known != incarnation {
            logger.info("peer restarted", metadata: ["dlm.node": "\(node)", "dlm.incarnation": "\(incarnation)"])
            state.session = ReliableSession(queueDepthMax: configuration.sendQueueDepthMax)
            if state.reported == .up { report(.down, for: state) }
        }
        state.incarnation = incarnation
        connection.peer = node
        state.connection = connection
        state.isDialing = false
        state.failedDials = 0
        state.reconnectTask?.cancel()
        state.reconnectTask = nil
        state.output.clear()
        state.lastHeard = .now()
        logger.debug("peer link authenticated", metadata: ["dlm.node": "\(node)", "dlm.address": "\(connection.remoteHost ?? "?")"])
        execute(state.session.onConnected(), for: state)
        report(.up, for: state)
        scheduleFlush()
    }
}
