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
        metrics.received(frame.message.messageType)
        let instant = now
        let firstOutput = outputs.count
        service.handle(session: session, frame: frame, now: instant, output: &outputs)
        if case .lock(let call) = frame.message, let mode = call.lockMode {
            metrics.requested(mode)
            noteWaitStart(session: session, requestID: frame.requestID, at: instant, outputsFrom: firstOutput)
        }
        apply()
    }

    /// Records when a LOCK that was accepted with a completion to follow began waiting; `apply`
    /// observes the wait when that completion goes out (immediately for an immediate grant).
    private func noteWaitStart(session: UInt64, requestID: UInt32, at instant: MonotonicInstant, outputsFrom first: Int) {
        for output in outputs[first...] {
            guard case .send(session, let frame) = output, frame.requestID == requestID,
                case .result(let result) = frame.message
            else { continue }
            if result.errno == 0, result.outcome == .completionFollows {
                waitStarts[session, default: [:]][result.lockID] = instant
            }
            return
        }
    }

    func disconnected(_ session: UInt64) {
        eventLoop.preconditionInEventLoop()
        channels[session] = nil
        pending[session] = nil
        waitStarts[session] = nil
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
                account(frame, to: session)
                frame.encode(into: &pending[session, default: []])
            case .close(let session):
                guard let channel = channels[session] else { continue }
                let bytes = pending.removeValue(forKey: session) ?? []
                channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).whenComplete { _ in
                    channel.close(promise: nil)
                }
            case .peer(let peer, let lockspace, let message):
                sendToPeer(message, lockspace: lockspace, to: peer)
            case .membership(let peer, let message):
                sendMembership(message, to: peer)
            case .fence(let node, let incarnation):
                runFenceAgent(node: node, incarnation: incarnation)
            case .expectIncarnation(let node, let incarnation):
                expectIncarnation(incarnation, of: node)
            }
        }
        outputs.removeAll(keepingCapacity: true)
    }

    /// Counts an outgoing message; a completion ends its lock's wait (observed when it is a grant).
    private func account(_ frame: ReplyFrame, to session: UInt64) {
        metrics.sent(frame.message.messageType)
        guard case .completion(let callback) = frame.message else { return }
        let start = waitStarts[session]?.removeValue(forKey: callback.lockID)
        guard callback.status == .granted, let mode = callback.grantedMode else { return }
        metrics.granted(mode)
        if let start { metrics.waitTime.recordNanoseconds(Int64(clamping: now.nanoseconds &- min(start.nanoseconds, now.nanoseconds))) }
    }

    /// Sets the gauges (resources, locks, lockspaces, waiters, client connections) from the current
    /// state; the metrics endpoint calls it on the loop right before rendering a scrape.
    public func refreshGauges() {
        eventLoop.preconditionInEventLoop()
        let census = service.census()
        metrics.resources.record(census.resources)
        metrics.locks.record(census.locks)
        metrics.lockspaces.record(census.lockspaces)
        metrics.clients.record(channels.count)
        metrics.waiters.record(waitStarts.values.reduce(0) { $0 + $1.count })
    }

    /// Writes and flushes everything gathered since the last flush (once per read burst), then re-arms
    /// the LKF_TIMEOUT timer if the earliest deadline changed.
    func flushPending() {
        for (session, bytes) in pending where !bytes.isEmpty {
            guard let channel = channels[session] else { continue }
            channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
            enforceOutputLimit(channel)
        }
        pending.removeAll(keepingCapacity: true)
        armTimer()
    }

    /// Disconnects (through its handler, which logs why) a client whose unsent output, after what the
    /// socket took, passes `clientOutputBytesMax`.
    private func enforceOutputLimit(_ channel: Channel) {
        guard let unsent = try? channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes),
            unsent > service.configuration.clientOutputBytesMax
        else { return }
        channel.pipeline.fireUserInboundEventTriggered(ClientOutputLimitExceeded())
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
