// dlmd — DLMDaemon: the composition root: configuration → event loop → server → ServiceGroup.

import DLMCore
import DLMServer
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Runs one dlmd node until SIGTERM or SIGINT.
///
///     load config ──▶ 1-thread event loop ──▶ DLMServer(start: bind socket) ──▶ configured lockspaces
///        ──▶ ServiceGroup.run ──signal──▶ graceful shutdown: stop accepting, close clients, remove socket
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
    public static func run(configuration: DaemonConfiguration, logger: Logger) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = DLMServer(
            socketPath: configuration.socketPath, configuration: configuration.serviceConfiguration(),
            eventLoop: group.next(), logger: logger)
        do {
            for lockspace in configuration.lockspaces {
                try await server.createConfiguredLockspace(
                    name: lockspace.name, mode: lockspace.mode, valueBlockLength: lockspace.valueBlockLength)
            }
            let service = ClientServerService(server: server)
            var groupConfiguration = ServiceGroupConfiguration(
                services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            groupConfiguration.maximumGracefulShutdownDuration = gracefulShutdownDurationMax
            let serviceGroup = ServiceGroup(configuration: groupConfiguration)
            logger.info(
                "dlmd starting",
                metadata: ["dlm.node": "\(configuration.nodeID)", "dlm.cluster": "\(configuration.clusterName)"])
            try await serviceGroup.run()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
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

/// The client socket server as a `Service`: listens until graceful shutdown, then stops accepting,
/// closes every client and removes the socket file.
struct ClientServerService: Service {
    let server: DLMServer

    func run() async throws {
        try await server.start()
        try? await gracefulShutdown()
        await server.stop()
    }
}
