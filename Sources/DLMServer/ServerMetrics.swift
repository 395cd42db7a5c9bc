// dlmd — DLMServer: the node's metrics, as swift-metrics handles the shell updates on its event loop.

import CoreMetrics
import DLMClientProtocol
import DLMCore

/// Every metric dlmd exports. The handles come from one `MetricsFactory` (a Prometheus registry in
/// the daemon, `NOOPMetricsHandler` when metrics are off), so nothing here touches the global
/// `MetricsSystem`. Counters are updated where the event happens, on the server's event loop, with
/// no extra hop; the gauges are set by `DLMServer.refreshGauges()` just before each scrape.
///
/// Names (Prometheus text format once exported):
///
///     dlm_lock_requests_total{mode}        LOCK requests (new and conversions) by requested mode
///     dlm_lock_grants_total{mode}          grants delivered, by granted mode
///     dlm_lock_wait_seconds                histogram: request to grant, 0 for immediate grants
///     dlm_messages_total{type,direction}   client protocol messages in and out, by type
///     dlm_resources, dlm_locks, dlm_lockspaces, dlm_waiters, dlm_client_connections   gauges
///     dlm_recoveries_total, dlm_recovery_duration_seconds   cluster recoveries (none on a single node)
public final class ServerMetrics: Sendable {
    /// Label of the wait-time histogram (the exporter sets its buckets by this name).
    public static let waitTimeLabel = "dlm_lock_wait_seconds"
    /// Label of the recovery-duration histogram.
    public static let recoveryDurationLabel = "dlm_recovery_duration_seconds"

    let requests: [Counter]
    let grants: [Counter]
    let waitTime: Timer
    let messagesIn: [MessageType: Counter]
    let messagesOut: [MessageType: Counter]
    let resources: Gauge
    let locks: Gauge
    let lockspaces: Gauge
    let waiters: Gauge
    let clients: Gauge
    /// Completed cluster recoveries (view changes until every lockspace runs again).
    public let recoveries: Counter
    /// How long each recovery took.
    public let recoveryDuration: Timer

    /// Metrics that go nowhere (the default when the daemon exports none).
    public static let disabled = ServerMetrics(factory: NOOPMetricsHandler.instance)

    /// - Parameter factory: where the handles come from.
    public init(factory: any MetricsFactory) {
        func perMode(_ label: String) -> [Counter] {
            LockMode.allCases.map { Counter(label: label, dimensions: [("mode", $0.description)], factory: factory) }
        }
        requests = perMode("dlm_lock_requests_total")
        grants = perMode("dlm_lock_grants_total")
        waitTime = Timer(label: Self.waitTimeLabel, dimensions: [], factory: factory)
        func perType(_ types: [MessageType], _ direction: String) -> [MessageType: Counter] {
            Dictionary(uniqueKeysWithValues: types.map { type in
                (type, Counter(label: "dlm_messages_total",
                               dimensions: [("type", type.description.lowercased()), ("direction", direction)],
                               factory: factory))
            })
        }
        messagesIn = perType(
            [.createLockspace, .openLockspace, .releaseLockspace, .releaseByName, .lock, .unlock, .purge, .query, .fenceAck], "in")
        messagesOut = perType([.result, .completion, .blocking, .queryText], "out")
        resources = Gauge(label: "dlm_resources", dimensions: [], factory: factory)
        locks = Gauge(label: "dlm_locks", dimensions: [], factory: factory)
        lockspaces = Gauge(label: "dlm_lockspaces", dimensions: [], factory: factory)
        waiters = Gauge(label: "dlm_waiters", dimensions: [], factory: factory)
        clients = Gauge(label: "dlm_client_connections", dimensions: [], factory: factory)
        recoveries = Counter(label: "dlm_recoveries_total", dimensions: [], factory: factory)
        recoveryDuration = Timer(label: Self.recoveryDurationLabel, dimensions: [], factory: factory)
    }

    func requested(_ mode: LockMode) { requests[Int(mode.rawValue)].increment() }
    func granted(_ mode: LockMode) { grants[Int(mode.rawValue)].increment() }
    func received(_ type: MessageType) { messagesIn[type]?.increment() }
    func sent(_ type: MessageType) { messagesOut[type]?.increment() }
}
