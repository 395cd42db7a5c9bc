// dlmd — DLM client: where one handle's recovery notifications go: the installed RecoveryHandler and
// every live `recoveryEvents()` stream.

import DLMCore

/// The recovery subscribers of one connection. Events reach it as queued callbacks (in arrival order,
/// run by whoever runs the handle's callbacks); the connection's failure finishes every stream.
/// Thread-safe.
final class RecoverySink: @unchecked Sendable {
    /// Events a stream keeps while nobody iterates it (the newest are kept).
    static let bufferedEventsMax = 256

    private let guardLock = ConditionLock()
    private var handler: RecoveryHandler?
    private var streams: [UInt64: AsyncStream<RecoveryEvent>.Continuation] = [:]
    private var nextStream: UInt64 = 1
    private var finished = false

    /// Replaces the callback set (nil removes it).
    func setHandler(_ handler: RecoveryHandler?) {
        guardLock.withLock { self.handler = handler }
    }

    /// A new stream of every event delivered from now on; already finished when the connection failed.
    func makeStream() -> AsyncStream<RecoveryEvent> {
        let (stream, continuation) = AsyncStream<RecoveryEvent>.makeStream(bufferingPolicy: .bufferingNewest(Self.bufferedEventsMax))
        let token: UInt64? = guardLock.withLock {
            guard !finished else { return nil }
            let token = nextStream
            nextStream += 1
            streams[token] = continuation
            return token
        }
        guard let token else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.guardLock.withLock { _ = self.streams.removeValue(forKey: token) }
        }
        return stream
    }

    /// Runs the handler's callback for `event`, then hands it to every stream.
    func deliver(_ event: RecoveryEvent) {
        let (handler, continuations) = guardLock.withLock { (self.handler, Array(streams.values)) }
        handler?.run(event)
        for continuation in continuations { continuation.yield(event) }
    }

    /// The connection ended: finish every stream and drop the handler (it may capture the handle).
    func finish() {
        let continuations: [AsyncStream<RecoveryEvent>.Continuation] = guardLock.withLock {
            finished = true
            handler = nil
            defer { streams.removeAll() }
            return Array(streams.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
