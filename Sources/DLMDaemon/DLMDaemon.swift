// dlmd — DLMDaemon: the composition root: configuration → event loop → server → ServiceGroup.

import DLMCore
import DLMServer
import DLMTransport
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Runs one dlmd node until SIGTERM or SIGINT.
///
///     load config ──▶ 1-thread event loop ──▶ DLMServer ──▶ peer links (cluster) ──▶ configured lockspaces ──▶ ServiceGroup.run:
///        client server (bind socket, READY=1, STATUS/WATCHDOG ticks), metrics endpoint (if configured),
///        reload on SIGHUP ──SIGTERM/SIGINT──▶ graceful shutdown: reload and metrics stop, STOPPING=1,
///        stop accepting, close clients (their handles close), remove socket, exit 0
public enum DLMDaemon {
    /// How long a graceful shutdown may take before the group escalates to cancellation.
    public static let gracefulShutdownDurationMax: Duration = .seconds(10)

    /// Reads and parses a configuration file.
    /// - Throws: `ConfigError` (`line N: message`), or one without a line when the file cannot be read.
    public static func loadConfigFile(path: String) throws(ConfigError) -> ConfigFile {
        guard let text = readFile(path) else { throw ConfigError(line: nil, "cannot read \(path)") }
        return try ConfigParser.parse(text)
    }

    /// Starts the node and runs until a graceful shutdown completes.
    /// - Parameters:
    ///   - configuration: the effective configuration.
    ///   - logger: the daemon's logger (the only one `dlmd` creates).
    ///   - configPath: the file `configuration` came from, re-read on SIGHUP (nil: none).
    ///   - overrides: command-line settings, re-applied on every reload.
    ///   - logLevel: the shared level of the daemon's log handlers, changed by reloads.
    public static func run(
        configuration: DaemonConfiguration, logger: Logger, configPath: String? = nil,
        overrides: DaemonConfiguration.Overrides = .init(), logLevel: LogLevelControl? = nil
    ) async throws {
        signal(SIGHUP, SIG_IGN)  // until the reload service traps it: an early HUP must not kill us
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let registry = configuration.metricsListen.map { _ in PrometheusCollectorRegistry() }
        let metrics = registry.map { ServerMetrics(factory: MetricsEndpoint.makeFactory(registry: $0)) } ?? .disabled
        var serviceConfiguration = configuration.serviceConfiguration()
        if configuration.isCluster {
            serviceConfiguration.membership = configuration.membershipSettings(incarnation: ClusterLinks.membershipIncarnation)
        }
        let server = DLMServer(
            socketPath: configuration.socketPath, configuration: serviceConfiguration,
            eventLoop: group.next(), logger: logger, metrics: metrics)
        let reporter = ServiceStatusReporter(
            server: server, nodeID: configuration.nodeID, watchdogPeriod: SystemdNotifier.watchdogPeriod())
        var transport: PeerTransport?
        do {
            if configuration.isCluster {
                transport = try await ClusterLinks.start(configuration, server: server, logger: logger)
            }
            for lockspace in configuration.lockspaces {
                try await server.createConfiguredLockspace(
                    name: lockspace.name, mode: lockspace.mode, valueBlockLength: lockspace.valueBlockLength)
            }
            if transport != nil { try await server.startMembership() }
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: ClientServerService(server: server, reporter: reporter))
            ]
            if let registry, let address = configuration.metricsListen {
                // Bound before the group runs, so a taken port fails the start before READY=1.
                let endpoint = MetricsEndpoint(server: server, registry: registry, logger: logger)
                do {
                    try await endpoint.start(host: address.host, port: address.port)
                } catch {
                    logger.critical(
                        "metrics endpoint cannot listen", metadata: ["dlm.metrics": "\(address)", "dlm.error": "\(error)"])
                    throw error
                }
                services.append(.init(service: MetricsService(endpoint: endpoint)))
            }
            let reloader = ConfigReloader(
                path: configPath, overrides: overrides, current: configuration, server: server, logLevel: logLevel,
                logger: logger)
            services.append(.init(service: ReloadService(reloader: reloader, reporter: reporter)))
            var groupConfiguration = ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            groupConfiguration.maximumGracefulShutdownDuration = gracefulShutdownDurationMax
            logger.info(
                "dlmd starting",
                metadata: ["dlm.node": "\(configuration.nodeID)", "dlm.cluster": "\(configuration.clusterName)"])
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            if let transport { try? await transport.shutdown().get() }
            try? await group.shutdownGracefully()
            throw error
        }
        if let transport { try? await transport.shutdown().get() }
        try await group.shutdownGracefully()
        logger.info("dlmd stopped")
    }

    private static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

