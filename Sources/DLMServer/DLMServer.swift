// dlmd — DLMServer: the Unix-socket shell around LockspaceService, on one NIO event loop.

import DLMClientProtocol
import DLMCore
import DLMTransport
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The client-facing socket server of one node.
///
/// Everything — accepting, decoding, deciding (in `LockspaceService`), encoding, timers — runs on the
/// single `eventLoop`; no request hops threads. Replies and callbacks produced during a read burst are
/// gathered per connection and written and flushed once, at `channelReadComplete`.
///
///     created ──start()──▶ listening ──stop()──▶ stopped (socket file removed, clients closed)
///
/// `@unchecked Sendable`: every mutable field is touched only on `eventLoop` (checked with
/// `preconditionInEventLoop` at the entry points).
public final class DLMServer: @unchecked Sendable {
    /// The loop that owns all state.
    public let eventLoop: EventLoop
    /// Where the server listens.
    public let socketPath: String
    let logger: Logger
    var service: LockspaceService
    var channels: [UInt64: Channel] = [:]
    /// Bytes produced for each connection since the last flush, in order.
    var pending: [UInt64: [UInt8]] = [:]
    var outputs: [ServiceOutput] = []
    var nextSession: UInt64 = 1
    var timer: Scheduled<Void>?
    var timerDeadline: MonotonicInstant?
    var serverChannel: Channel?
    /// Metrics updated as requests and callbacks pass (on `eventLoop`).
    public let metrics: ServerMetrics
    /// When each request still waiting for its completion was made, by session then lock id
    /// (for the wait-time histogram and the waiters gauge).
    var waitStarts: [UInt64: [LockID: MonotonicInstant]] = [:]
    /// The links to the other cluster members (nil on a lone node); attached with `attach(transport:)`.
    var transport: PeerTransport?
    /// The membership tick (cluster nodes with dynamic membership).
    var membershipTask: RepeatedTask?

    /// - Parameters:
    ///   - socketPath: filesystem path of the Unix socket to listen on.
    ///   - configuration: node id, privileges and limits for the lockspace service.
    ///   - eventLoop: the one loop that runs everything (a 1-thread `MultiThreadedEventLoopGroup`'s loop).
    ///   - logger: the daemon's logger; connection lines carry `dlm.client.pid` metadata.
    ///   - metrics: where request, grant, wait and message metrics go (default: nowhere).
    public init(
        socketPath: String, configuration: ServiceConfiguration, eventLoop: EventLoop, logger: Logger,
        metrics: ServerMetrics = .disabled
    ) {
        self.socketPath = socketPath
        self.metrics = metrics
        self.eventLoop = eventLoop
        self.logger = logger
        self.service = LockspaceService(configuration: configuration, logger: logger)
        outputs.reserveCapacity(16)
    }

    /// Creates a configured lockspace (the daemon holds its create reference).
    /// - Throws: `DLMErrno` as `LockspaceService.createConfiguredLockspace`.
    public func createConfiguredLockspace(name: String, mode: UInt32, valueBlockLength: Int) async throws {
        try await eventLoop.submit {
            try self.service.createConfiguredLockspace(name: name, mode: mode, valueBlockLength: valueBlockLength)
        }.get()
    }

    /// Applies a reloaded configuration (privileges, `dump_config` text) on the loop.
    public func reconfigure(_ configuration: ServiceConfiguration) async throws {
        try await eventLoop.submit { self.service.reconfigure(configuration) }.get()
    }

    /// Totals for the daemon's status line; call on `eventLoop`.
    public var census: LockspaceService.Census {
        eventLoop.preconditionInEventLoop()
        return service.census()
    }

    /// Binds the socket and starts accepting clients. A stale socket file (nobody listening) is replaced;
    /// a live one makes this throw `DLMServerError.alreadyRunning`.
    public func start() async throws {
        try SocketFile.prepare(path: socketPath)
        let outputCap = service.configuration.clientOutputBytesMax
        let channel = try await ServerBootstrap(group: eventLoop)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .childChannelOption(
                ChannelOptions.writeBufferWaterMark,
                value: ChannelOptions.Types.WriteBufferWaterMark(low: max(1, outputCap / 4), high: max(2, outputCap / 2))
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientChannelHandler(server: self))
                }
            }
            .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true)
            .get()
        SocketFile.allowEveryone(path: socketPath)
        try await eventLoop.submit { self.serverChannel = channel }.get()
        logger.info("listening", metadata: ["dlm.socket": "\(socketPath)"])
    }

    /// Stops accepting, closes every client (their handles close as on a disconnect) and removes the socket file.
    public func stop() async {
        let closing: [EventLoopFuture<Void>] = (try? await eventLoop.submit { () -> [EventLoopFuture<Void>] in
            self.timer?.cancel()
            self.timer = nil
            self.membershipTask?.cancel()
            self.membershipTask = nil
            var futures: [EventLoopFuture<Void>] = []
            if let server = self.serverChannel { futures.append(server.close()) }
            self.serverChannel = nil
            futures += self.channels.values.map { $0.close() }
            return futures
        }.get()) ?? []
        for future in closing { try? await future.get() }
        try? await eventLoop.submit { self.leaveLockspaces() }.get()
        SocketFile.remove(path: socketPath)
        logger.info("stopped", metadata: ["dlm.socket": "\(socketPath)"])
    }

    /// Logs what each lockspace still held when the last client left (orphans and the daemon's own
    /// lockspaces end with the process; a cluster node will also tell its peers here).
    private func leaveLockspaces() {
        for lockspace in service.lockspaces.values.sorted(by: { $0.name < $1.name }) {
            let counts = service.node.counts(lockspace: lockspace.globalID)
            logger.info(
                "left lockspace",
                metadata: [
                    "dlm.lockspace": "\(lockspace.name)", "dlm.locks": "\(counts.clientLocks)",
                    "dlm.orphans": "\(counts.orphans)",
                ])
        }
    }

    /// Runs `body` with the service on the loop (for tests and administrative reads).
    public func withService<T: Sendable>(_ body: @escaping @Sendable (inout LockspaceService) -> T) async throws -> T {
        try await eventLoop.submit { body(&self.service) }.get()
    }
}

/// Errors of the socket server.
public enum DLMServerError: Error, Equatable, CustomStringConvertible {
    /// Another daemon answers on the socket path.
    case alreadyRunning(String)
    /// The socket path is too long for a Unix socket address.
    case pathTooLong(String)

    public var description: String {
        switch self {
        case .alreadyRunning(let path): return "another dlmd is listening on \(path)"
        case .pathTooLong(let path): return "socket path too long: \(path)"
        }
    }
}
