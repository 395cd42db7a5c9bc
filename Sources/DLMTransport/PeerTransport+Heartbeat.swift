// dlmd — DLMTransport: heartbeats on idle links and the silence timeout that reports a peer down.

import DLMCore
import DLMWire
import Logging
import NIOCore

extension PeerTransport {
    /// Runs every `heartbeatInterval`: sends a HEARTBEAT on each authenticated link idle for an
    /// interval, and reports `down` (closing its link) for each `up` peer silent for `heartbeatTimeout`,
    /// and for each peer not heard from at all within `heartbeatTimeout` of the start.
    func heartbeatTick() {
        guard !isShutDown else { return }
        let now = NIODeadline.now()
        let halfInterval = TimeAmount(configuration.heartbeatInterval / 2)
        let timeout = TimeAmount(configuration.heartbeatTimeout)
        for state in peers.values {
            if state.reported == nil, now - state.lastHeard > timeout {
                // Never heard from since start (or since it was added): membership learns it is absent.
                report(.down, for: state)
            }
            if state.reported == .up, now - state.lastHeard > timeout {
                logger.debug("peer heartbeat timeout", metadata: ["dlm.node": "\(state.node)"])
                report(.down, for: state)
                if let connection = state.connection { close(connection) }
                continue
            }
            guard state.connection != nil, now - state.lastSent >= halfInterval else { continue }
            let sentAt = UInt64(max(0, now.uptimeNanoseconds))
            let frame = WireFrame(
                lockspace: 0, sender: nodeID, acknowledgement: state.session.nextExpectedSequence,
                message: .heartbeat(sentAt: sentAt)
            )
            enqueue(frame, for: state)
        }
    }
}
