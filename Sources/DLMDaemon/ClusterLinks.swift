// dlmd — DLMDaemon: builds and runs the peer transport of a cluster node from the configuration.

import DLMCore
import DLMServer
import DLMTransport
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The node-to-node links of one daemon: a `PeerTransport` on the server's event loop, listening on
/// this node's `node` line address and port, dialing the other `node` lines, authenticated with the
/// `key_file` secret.
enum ClusterLinks {
    /// The transport settings for `configuration` (which must be a cluster configuration).
    /// - Throws: `ConfigError` when `key_file` is missing or unusable, or a setting is out of range.
    static func transportConfiguration(_ configuration: DaemonConfiguration) throws(ConfigError) -> TransportConfiguration {
        guard let own = configuration.nodes.first(where: { $0.id == configuration.nodeID }) else {
            throw ConfigError(line: nil, "our node id \(configuration.nodeID) has no node line")
        }
        guard let keyFile = configuration.keyFile else {
            throw ConfigError(line: nil, "key_file is required when other nodes are configured")
        }
        let secret: SharedSecret
        do {
            secret = try SharedSecret(keyFile: keyFile)
        } catch {
            throw ConfigError(line: nil, "key_file \(keyFile): \(error)")
        }
        let peers = configuration.nodes.filter { $0.id != configuration.nodeID }.map {
            PeerEndpoint(node: $0.id, host: $0.address, port: Int($0.port))
        }
        var transport = TransportConfiguration(
            nodeID: configuration.nodeID, listenHost: own.address, listenPort: Int(own.port), peers: peers,
            clusterName: configuration.clusterName, secret: secret, incarnation: runIncarnation)
        transport.heartbeatInterval = .milliseconds(Int64(configuration.heartbeatIntervalMilliseconds))
        transport.heartbeatTimeout = .milliseconds(Int64(configuration.nodeTimeoutMilliseconds))
        do {
            try transport.validate()
        } catch {
            throw ConfigError(line: nil, "cluster links: \(error)")
        }
        return transport
    }

    /// Creates the transport on the server's loop, attaches it to the server and starts listening.
    /// - Returns: the running transport (shut it down after the server stopped).
    static func start(
        _ configuration: DaemonConfiguration, server: DLMServer, logger: Logger
    ) async throws -> PeerTransport {
        let settings = try transportConfiguration(configuration)
        let transport = try await server.eventLoop.submit {
            PeerTransport(configuration: settings, eventLoop: server.eventLoop, logger: logger)
        }.get()
        try await server.attach(transport: transport)
        let address = try await transport.start().get()
        logger.info("peer links listening", metadata: ["dlm.address": "\(address)", "dlm.peers": "\(settings.peers.count)"])
        return transport
    }

    /// This run's incarnation: wall-clock nanoseconds at start, distinct across restarts of the process.
    static let runIncarnation: UInt64 = {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }()

    /// The membership incarnation (32 bits) derived from this run's transport incarnation.
    static var membershipIncarnation: UInt32 { MembershipSettings.incarnation(ofRun: runIncarnation) }
}
