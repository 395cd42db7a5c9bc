// Tests the server's handling of its socket file: a stale socket file left by a dead daemon is
// replaced at start, a second server on a live socket refuses with alreadyRunning, and stop()
// removes the file. Uses real sockets in a temporary directory.

import DLMCore
import DLMServer
import Glibc
import Logging
import NIOPosix
import Testing

@Suite("socket file", .timeLimit(.minutes(1)))
struct SocketFileLoopbackTests {
    @Test("a stale socket file is replaced; a live one is refused; stop removes the file")
    func staleAndLive() async throws {
        let directory = temporaryDirectory()
        let path = directory + "/dlmd.sock"
        // A stale socket: bound, never listening, closed.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        close(stale)
        #expect(access(path, F_OK) == 0)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var logger = Logger(label: "dlmd.test")
        logger.logLevel = .critical
        let first = DLMServer(socketPath: path, configuration: ServiceConfiguration(), eventLoop: group.next(), logger: logger)
        try await first.start()
        let client = try RawClient(path: path)
        #expect(try client.query(.status).contains("our_nodeid 1"))
        let second = DLMServer(socketPath: path, configuration: ServiceConfiguration(), eventLoop: group.next(), logger: logger)
        await #expect(throws: DLMServerError.alreadyRunning(path)) { try await second.start() }
        await first.stop()
        #expect(access(path, F_OK) != 0, "socket file removed")
        #expect(client.isClosedByPeer())
        try await group.shutdownGracefully()
        rmdir(directory)
    }
}
