// dlmd — DLMDaemon: the daemon's parts as ServiceLifecycle services (client server, metrics, reload).
// Three tiny adapters kept together: each only maps run/graceful-shutdown onto a component.

import DLMServer
import ServiceLifecycle
import UnixSignals

/// The client socket server: listens, tells systemd it is ready, and on graceful shutdown sends
/// STOPPING=1, stops accepting, closes every client (their handles close) and removes the socket file.
struct ClientServerService: Service {
    let server: DLMServer
    let reporter: ServiceStatusReporter

    func run() async throws {
        try await server.start()
        try await reporter.ready()
        try? await gracefulShutdown()
        try? await reporter.stopping()
        await server.stop()
    }
}

/// The Prometheus endpoint (already listening), closed at graceful shutdown.
struct MetricsService: Service {
    let endpoint: MetricsEndpoint

    func run() async throws {
        try? await gracefulShutdown()
        await endpoint.stop()
    }
}

/// Reloads the configuration on each SIGHUP until graceful shutdown.
struct ReloadService: Service {
    let reloader: ConfigReloader
    let reporter: ServiceStatusReporter

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            if await reloader.reload() != nil {
                try? await reporter.announce("configuration reloaded")
            } else {
                try? await reporter.announce("reload failed; running with the previous configuration")
            }
        }
    }
}
