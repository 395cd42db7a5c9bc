// Test harness for the socket server: starts a DLMServer on a one-thread event loop, listening in a
// fresh temporary directory, runs the test body, then stops the server and the loop (always).

import DLMCore
import DLMServer
import Glibc
import Logging
import NIOPosix

struct ServerHarness {
    let server: DLMServer
    let socketPath: String

    /// A connected client bound to `lockspace` (created if needed).
    func client(joining lockspace: String = "test", flags: LockspaceFlags = [], mode: UInt32 = 0) throws -> RawClient {
        let client = try RawClient(path: socketPath)
        try client.ok(.createLockspace(.init(flags: flags, mode: mode, name: lockspace)), outcome: .completionFollows)
        return client
    }

    func unboundClient() throws -> RawClient { try RawClient(path: socketPath) }
}

func temporaryDirectory() -> String {
    var template = Array("/tmp/dlmd-test-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    return path
}

func withServer(
    _ configuration: ServiceConfiguration = ServiceConfiguration(nodeID: 1, clusterName: "test"),
    logger: Logger? = nil,
    _ body: (ServerHarness) async throws -> Void
) async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let directory = temporaryDirectory()
    let path = directory + "/dlmd.sock"
    var quiet = Logger(label: "dlmd.test")
    quiet.logLevel = .critical
    let logger = logger ?? quiet
    let server = DLMServer(socketPath: path, configuration: configuration, eventLoop: group.next(), logger: logger)
    do {
        try await server.start()
        try await body(ServerHarness(server: server, socketPath: path))
    } catch {
        await server.stop()
        try? await group.shutdownGracefully()
        rmdir(directory)
        throw error
    }
    await server.stop()
    try await group.shutdownGracefully()
    rmdir(directory)
}
