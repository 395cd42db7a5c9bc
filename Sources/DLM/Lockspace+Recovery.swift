// dlmd — DLM client: a lockspace handle's recovery notifications: callbacks and an AsyncSequence.

import DLMClientProtocol
import DLMCore

extension Lockspace {
    /// Installs the recovery callbacks of this handle (nil removes them), subscribing the handle to
    /// the lockspace's recovery notifications on first use (docs/recovery.md, "Events").
    ///
    /// The callbacks run like the handle's lock callbacks: in `dispatch()`, in the callback thread
    /// (`startCallbackThread()`), or inside a synchronous call that reads them; one at a time, in
    /// arrival order with the lock callbacks. Notifications start with the subscription: one that
    /// happens while a recovery is under way may see its `.slot`/`.done` without the `.prep`.
    /// - Throws: `DLMErrno` from the daemon (ENOTCONN when the connection is gone; a dlmd without the
    ///   extension closes the connection, also ENOTCONN).
    public func setRecoveryHandler(_ handler: RecoveryHandler?) throws(DLMErrno) {
        try subscribeRecovery { $0.setHandler(handler) }
    }

    /// The lockspace's recovery notifications from now on, in order, as an `AsyncSequence`
    /// (subscribing the handle on first use). Each call returns a new stream that sees every later
    /// event; a stream keeps the newest `RecoverySink.bufferedEventsMax` (256) events while nobody
    /// iterates it, and finishes when the handle is closed or the connection fails.
    ///
    /// Events are read with the handle's callbacks, so something must read them: the callback thread
    /// (`startCallbackThread()`, always running for `DLMClient.lockspace`), or `dispatch()` calls.
    ///
    /// ```swift
    /// for await event in try ls.recoveryEvents() {
    ///     if case .done(let generation, _, let members) = event { print("view", generation, members.count) }
    /// }
    /// ```
    /// - Throws: as `setRecoveryHandler(_:)`.
    public func recoveryEvents() throws(DLMErrno) -> AsyncStream<RecoveryEvent> {
        try subscribeRecovery { $0.makeStream() }
    }

    /// Attaches to the handle's recovery sink, then subscribes when this was the first use. `attach`
    /// runs before the request, so no event that follows the subscription can miss it.
    private func subscribeRecovery<T>(_ attach: (RecoverySink) -> T) throws(DLMErrno) -> T {
        let (sink, isNew): (RecoverySink?, Bool) = connection.stateLock.withLock {
            if let sink = connection.state.recoverySink { return (sink, false) }
            guard connection.state.failure == nil else { return (nil, false) }
            let sink = RecoverySink()
            connection.state.recoverySink = sink
            return (sink, true)
        }
        guard let sink else { throw connection.stateLock.withLock { connection.state.failure ?? .ENOTCONN } }
        let attached = attach(sink)
        guard isNew else { return attached }
        _ = connection.observeFailure { [weak sink] _ in sink?.finish() }
        do {
            try connection.roundTrip(.recoveryEvents(enable: true))
        } catch {
            connection.stateLock.withLock {
                if connection.state.recoverySink === sink { connection.state.recoverySink = nil }
            }
            sink.finish()
            throw error
        }
        return attached
    }
}
