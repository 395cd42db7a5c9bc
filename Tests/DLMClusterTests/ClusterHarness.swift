// Helpers for the cluster tests: start three real `dlmd` processes on loopback (temporary configs,
// free ports, a 0600 key file), wait until every node sees both peer links up, stop them by PID, and
// a raw client-protocol connection to one node's socket. Every wait is bounded.

import DLMClientProtocol
import DLMCore
import Foundation
import Glibc
import Testing

/// The package root (…/Tests/DLMClusterTests/this file → root).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

struct ClusterTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A running three-node cluster of real dlmd processes.
final class LocalCluster {
    static let nodeCount = 3
    let directory: String
    private(set) var processes: [Process] = []
    let ports: [Int]
    private let binary: String

    /// Writes configs and starts the nodes; returns when every node reports both peers `up` and a
    /// committed view of all three nodes with every lockspace running.
    /// `extraLines` go into every node's configuration (lockspace, master, membership and fencing lines).
    init(extraLines: [String] = []) async throws {
        directory = try Self.temporaryDirectory()
        ports = try (1...Self.nodeCount).map { _ in try Self.freeLoopbackPort() }
        let key = directory + "/cluster.key"
        let secret = (0..<48).map { _ in UInt8.random(in: 0...255) }
        FileManager.default.createFile(atPath: key, contents: Data(secret), attributes: [.posixPermissions: 0o600])
        binary = try Self.dlmdBinary()
        for node in 1...Self.nodeCount {
            var lines = [
                "cluster_name=clustertest", "our_nodeid=\(node)", "socket=\(socketPath(node))", "key_file=\(key)",
                "log_level=debug", "heartbeat_interval_ms=200", "node_timeout_ms=3000", "create_uid=\(getuid())",
            ]
            lines += (1...Self.nodeCount).map { "node id=\($0) addr=127.0.0.1 port=\(ports[$0 - 1])" }
            lines += extraLines
            let config = directory + "/node\(node).conf"
            try (lines.joined(separator: "\n") + "\n").write(toFile: config, atomically: true, encoding: .utf8)
            FileManager.default.createFile(atPath: logPath(node), contents: nil)
            processes.append(try launch(node))
        }
        do {
            try await waitUntilLinked()
        } catch {
            await stop()
            throw error
        }
    }

    private func launch(_ node: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--config", directory + "/node\(node).conf"]
        let log = FileHandle(forWritingAtPath: logPath(node))
        log?.seekToEndOfFile()
        process.standardError = log
        try process.run()
        return process
    }

    /// SIGKILL to node `node`'s recorded PID (a crash: no goodbye to its peers); waits for it to exit.
    func crash(_ node: Int) async throws {
        let process = processes[node - 1]
        kill(process.processIdentifier, SIGKILL)
        guard try await Self.waitFor({ !process.isRunning }) else { throw ClusterTestError("node \(node) did not die") }
    }

    /// Starts node `node` again with the same configuration (a new incarnation).
    func restart(_ node: Int) throws {
        processes[node - 1] = try launch(node)
    }

    /// Node `node`'s status report, nil when it does not answer.
    func status(_ node: Int) -> String? { try? client(node).query(.status) }

    /// The value of `key` in node `node`'s status report (`generation 4` → "4").
    func statusValue(_ node: Int, _ key: String) -> String? {
        status(node)?.split(separator: "\n").first { $0.hasPrefix(key + " ") }.map { String($0.dropFirst(key.count + 1)) }
    }

    /// Whether node `node` runs a committed view of exactly `members` with every lockspace running.
    func isSettled(_ node: Int, members: String) -> Bool {
        statusValue(node, "members") == members && statusValue(node, "state") == "running"
    }

    func socketPath(_ node: Int) -> String { directory + "/node\(node).sock" }
    func logPath(_ node: Int) -> String { directory + "/node\(node).log" }

    /// A new client connection to `node`.
    func client(_ node: Int) throws -> ClusterClient { try ClusterClient(socketPath: socketPath(node)) }

    private func waitUntilLinked() async throws {
        for node in 1...Self.nodeCount {
            let linked = try await Self.waitFor {
                guard let status = try? self.client(node).query(.status) else { return false }
                return status.components(separatedBy: " link up").count - 1 == Self.nodeCount - 1
            }
            guard linked else {
                throw ClusterTestError("node \(node) links not up; log:\n\(fileText(logPath(node)).suffix(2000))")
            }
        }
        for node in 1...Self.nodeCount {
            guard try await Self.waitFor({ self.isSettled(node, members: "1 2 3") }) else {
                throw ClusterTestError("node \(node) has no view of 3 members: \(status(node) ?? "no answer")")
            }
        }
    }

    /// SIGTERM to each recorded PID, SIGKILL after 10 s; removes the directory.
    func stop() async {
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for process in processes {
            let exited = (try? await Self.waitFor { !process.isRunning }) ?? false
            if !exited { kill(process.processIdentifier, SIGKILL) }
        }
        processes.removeAll()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `body` with a fresh cluster and always stops it.
    static func with(extraLines: [String] = [], _ body: (LocalCluster) async throws -> Void) async throws {
        let cluster = try await LocalCluster(extraLines: extraLines)
        do {
            try await body(cluster)
        } catch {
            for node in 1...nodeCount { print("--- node \(node) log tail\n\(fileText(cluster.logPath(node)).suffix(3000))") }
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    // MARK: - Process plumbing

    static func dlmdBinary() throws -> String {
        let candidates = [".build/debug/dlmd", ".build/x86_64-unknown-linux-gnu/debug/dlmd"]
            .map { repositoryRoot.appendingPathComponent($0).path }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ClusterTestError("dlmd binary not built; run `swift build --product dlmd` first")
        }
        return found
    }

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/dlmd-cluster-XXXXXX".utf8CString)
        guard let path = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ClusterTestError("mkdtemp failed")
        }
        return String(cString: path)
    }

    /// Polls `condition` every 50 ms for up to 15 s.
    static func waitFor(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<300 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    /// A free TCP port on 127.0.0.1 (bound to port 0, read back, closed).
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ClusterTestError("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

func fileText(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}
