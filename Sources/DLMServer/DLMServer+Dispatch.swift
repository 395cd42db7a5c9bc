// dlmd — DLMServer: connection events into the service, its directives out to the sockets, and timers.

import DLMClientProtocol
import DLMCore
import Logging
import NIOCore

extension DLMServer {
    /// The service's notion of now: the loop's monotonic uptime clock.
    var now: MonotonicInstant { MonotonicInstant(nanoseconds: NIODeadline.now().uptimeNanoseconds) }

    func connected(_ channel: Channel, credentials: PeerCredentials) -> UInt64 {
        eventLoop.preconditionInEventLoop()
        let session = nextSession
        nextSession += 1
        channels[session] = channel
        service.connect(session: session, credentials: credentials)
        return session
    }

    func received(_ frame: RequestFrame, from session: UInt64) {
        service.handle(session: session, frame: frame, now: now, output: &outputs)
        apply()
    }

    func disconnected(_ session: UInt64) {
        eventLoop.preconditionInEventLoop()
        channels[session] = nil
        pending[session] = nil
        service.disconnect(session: session, now: now, output: &outputs)
        apply()
        flushPending()
    }

    /// Writes one frame straight away and flushes (protocol-error answers before a close).
    func sendImmediately(_ frame: ReplyFrame, to session: UInt64) {
        pending[session, default: []].reserveCapacity(64)
        frame.encode(into: &pending[session, default: []])
        flushPending()
    }

    /// Performs the service's directives: frames are gathered per session, closes happen after what
    /// was gathered for that session has been written.
    func apply() {
        for output in outputs {
            switch output {
            case .send(let session, let frame):
                guard channels[session] != nil else { continue }
                frame.encode(into: &pending[session, default: []])
            case .close(let session):
                guard let channel = channels[session] else { continue }
                let bytes = pending.removeValue(forKey: session) ?? []
                channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).whenComplete { _ in
                    channel.close(promise: nil)
                }
            }
        }
        outputs.removeAll(keepingCapacity: true)
    }

    /// Writes and flushes everything gathered since the last flush (once per read burst), then re-arms
    /// the LKF_TIMEOUT timer if the earliest deadline changed.
    func flushPending() {
        for (session, bytes) in pending where !bytes.isEmpty {
            guard let channel = channels[session] else { continue }
            channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
        }
        pending.removeAll(keepingCapacity: true)
        armTimer()
    }

    func armTimer() {
        let deadline = service.nextTimeoutDeadline
        guard deadline != timerDeadline else { return }
        timer?.cancel()
        timer = nil
        timerDeadline = deadline
        guard let deadline else { return }
        timer = eventLoop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(deadline.nanoseconds)) {
            self.timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        timerDeadline = nil
        service.expireTimeouts(now: now, output: &outputs)
        apply()
        flushPending()
    }
}
