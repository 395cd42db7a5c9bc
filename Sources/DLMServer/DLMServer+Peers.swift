// dlmd — DLMServer: the peer side of the shell: the PeerTransport's messages and link states into the
// lockspace service, its `.peer` outputs out to the transport — all on the one event loop.

import DLMCore
import DLMTransport
import DLMWire
import NIOCore

extension DLMServer {
    /// Connects `transport` (built on this server's `eventLoop`) to the lockspace service: peer
    /// messages go to the node, its messages for peers go to the transport. Call before `start()`
    /// of either, on any thread.
    public func attach(transport: PeerTransport) async throws {
        precondition(transport.eventLoop === eventLoop, "the transport must run on the server's event loop")
        try await eventLoop.submit {
            self.transport = transport
            transport.onTaggedMessage = { [unowned self] sender, lockspace, generation, message in
                if message.type.isMembership {
                    self.receivedMembership(message, from: sender)
                } else {
                    self.receivedPeer(message, lockspace: lockspace, from: sender, generation: generation)
                }
            }
            transport.onLinkMessage = { [unowned self] sender, message in
                self.receivedMembership(message, from: sender)
            }
            transport.onPeerState = { [unowned self] node, state in
                self.logger.info("peer link", metadata: ["dlm.node": "\(node)", "dlm.link": "\(state)"])
                self.service.notePeerState(node, state.description)
                if state != .up { self.service.membershipLinkDown(node) }
            }
        }.get()
    }

    func receivedPeer(_ message: WireMessage, lockspace: UInt32, from sender: NodeID, generation: UInt64? = nil) {
        eventLoop.preconditionInEventLoop()
        service.receivePeerMessage(message, lockspace: lockspace, from: sender, generation: generation, now: now, output: &outputs)
        afterMembership()
    }

    /// Hands one node message to the transport; a failure (unknown peer, full queue, shut down) is
    /// logged — the transport reports the peer unreachable, and recovery is the membership layer's.
    func sendToPeer(_ message: WireMessage, lockspace: UInt32, to peer: NodeID) {
        guard let transport else {
            logger.error("peer message without a transport dropped", metadata: ["dlm.node": "\(peer)"])
            return
        }
        do {
            // With dynamic membership every lock and recovery frame carries the view generation it was
            // decided in (protocol 1.2), which is the node's generation while the outputs are applied.
            let generation = service.hasMembership ? service.node.generation : nil
            try transport.send(message, lockspace: lockspace, to: peer, generation: generation)
        } catch {
            logger.error("peer send failed", metadata: ["dlm.node": "\(peer)", "dlm.error": "\(error)"])
        }
    }
}
