// dlmd — DLMDaemon: the Prometheus scrape endpoint, a tiny HTTP/1.1 responder for GET /metrics.

import DLMServer
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import Synchronization

/// Serves `GET /metrics` in the Prometheus text format on a local TCP address. It runs on the server's
/// event loop, so a scrape refreshes the gauges from the live state without a hop; every other path
/// is 404, every other method 405. Each response closes its connection.
public final class MetricsEndpoint: Sendable {
    /// Prometheus text exposition format 0.0.4.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let server: DLMServer
    private let registry: PrometheusCollectorRegistry
    private let logger: Logger
    private let channel = Mutex<Channel?>(nil)

    /// - Parameters:
    ///   - server: whose loop serves the scrapes and whose gauges are refreshed before each.
    ///   - registry: the registry the server's `ServerMetrics` were created in.
    ///   - logger: the daemon's logger.
    public init(server: DLMServer, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.server = server
        self.registry = registry
        self.logger = logger
    }

    /// A Prometheus factory writing into `registry`, with wait-time buckets from 1 ms to 60 s.
    public static func makeFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        let buckets: [Duration] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
            .milliseconds(500), .seconds(1), .seconds(5), .seconds(10), .seconds(60),
        ]
        factory.durationHistogramBuckets[ServerMetrics.waitTimeLabel] = buckets
        factory.durationHistogramBuckets[ServerMetrics.recoveryDurationLabel] = buckets
        return factory
    }

    /// Binds `address` and starts answering.
    /// - Returns: the bound port (useful when `address.port` is 0 in tests).
    @discardableResult
    public func start(host: String, port: Int) async throws -> Int {
        let bound = try await ServerBootstrap(group: server.eventLoop)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(endpoint: self))
                }
            }
            .bind(host: host, port: port)
            .get()
        channel.withLock { $0 = bound }
        let boundPort = bound.localAddress?.port ?? port
        logger.info("metrics endpoint listening", metadata: ["dlm.metrics": "\(host):\(boundPort)"])
        return boundPort
    }

    /// Stops listening.
    public func stop() async {
        let bound = channel.withLock { value -> Channel? in
            defer { value = nil }
            return value
        }
        try? await bound?.close()
    }

    /// The scrape body; call on the server's loop.
    func render() -> [UInt8] {
        server.refreshGauges()
        return registry.emitToBuffer()
    }
}

/// One HTTP connection to the metrics endpoint.
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let endpoint: MetricsEndpoint
    private var head: HTTPRequestHead?

    init(endpoint: MetricsEndpoint) {
        self.endpoint = endpoint
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let status: HTTPResponseStatus
        let body: [UInt8]
        if request.method != .GET {
            (status, body) = (.methodNotAllowed, Array("only GET is served\n".utf8))
        } else if request.uri.split(separator: "?").first != "/metrics" {
            (status, body) = (.notFound, Array("try /metrics\n".utf8))
        } else {
            (status, body) = (.ok, endpoint.render())
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: status == .ok ? MetricsEndpoint.contentType : "text/plain")
        headers.add(name: "Content-Length", value: "\(body.count)")
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
