// dlm-bench — three private dlmd nodes on 127.0.0.1 for the cluster workloads: own free ports, own
// key file (mode 0600) in a temp directory, each node stopped by its PID.

import DLM
import DLMCore
import DLMDirectory
import Foundation
import Glibc

/// A three-node loopback cluster started for one benchmark run.
final class BenchCluster {
    /// The node ids, ascending; clients of the cluster workloads talk to the first one.
    static let nodes: [UInt32] = [1, 2, 3]
    /// NODIR lockspace whose only lock server is `nodirMaster` (never the client's node).
    static let nodirLockspace = "benchnodir"
    static let nodirMaster: UInt32 = 2
    /// Directory-mode lockspace (first asker becomes master, LOOKUP to the directory node).
    static let directoryLockspace = "benchdir"

    let directory: URL
    private(set) var daemons: [Daemon] = []

    /// Writes the key file and configurations and starts every node; throws if one does not come up.
    /// - Parameters:
    ///   - extraLines: more configuration lines for every node.
    ///   - instantFencing: adds a `fence_all` agent (a script in the cluster's directory) that
    ///     succeeds at once.
    ///   - logLevel: the nodes' `log_level`.
    init(binary: String, extraLines: [String] = [], instantFencing: Bool = false, logLevel: String = "warning") throws {
        directory = try Daemon.makeScratchDirectory()
        let key = directory.appendingPathComponent("cluster.key")
        var secret = [UInt8](repeating: 0, count: BenchLimits.clusterKeyBytes)
        for index in secret.indices { secret[index] = UInt8.random(in: 0...255) }
        guard FileManager.default.createFile(atPath: key.path, contents: Data(secret), attributes: [.posixPermissions: 0o600])
        else { throw BenchError(description: "cannot write \(key.path)") }
        var extra = extraLines
        if instantFencing { extra.append("fence_all " + (try BenchCluster.writeFenceAgent(in: directory))) }
        let ports = try BenchCluster.nodes.map { _ in try BenchCluster.freePort() }
        do {
            for (index, node) in BenchCluster.nodes.enumerated() {
                let config = BenchCluster.config(node: node, ports: ports, key: key.path, logLevel: logLevel, extra: extra)
                daemons.append(try Daemon(
                    binary: binary, directory: directory, name: "node\(node)", lockspace: BenchCluster.lockspace(for: index),
                    config: config, ownsDirectory: false))
            }
            try waitForView()
        } catch {
            stop()
            throw error
        }
    }

    /// Waits until every node runs a committed view of all nodes (lock calls get EAGAIN before).
    private func waitForView() throws {
        let members = "members " + BenchCluster.nodes.map(String.init).joined(separator: " ")
        let deadline = Date().addingTimeInterval(BenchLimits.startupSeconds)
        for daemon in daemons {
            while true {
                let status = (try? DLMAdmin.query(.status, socketPath: daemon.socketPath)) ?? ""
                let lines = status.split(separator: "\n")
                if lines.contains(where: { $0 == members }) && lines.contains("state running") { break }
                guard Date() < deadline else { throw BenchError(description: "no cluster view within \(BenchLimits.startupSeconds) s: \(status)") }
                usleep(20_000)
            }
        }
    }

    /// The socket of the node the benchmark clients use.
    var clientSocket: String { daemons[0].socketPath }

    /// The lockspace each node's readiness probe opens (and keeps): node 1 both, by index.
    private static func lockspace(for index: Int) -> String {
        index == 0 ? nodirLockspace : directoryLockspace
    }

    /// A fence agent that reads its input and reports success at once; returns its path.
    private static func writeFenceAgent(in directory: URL) throws -> String {
        let agent = directory.appendingPathComponent("fence-instant.sh")
        let script = "#!/bin/sh\ncat > /dev/null\nexit 0\n"
        guard FileManager.default.createFile(
            atPath: agent.path, contents: Data(script.utf8), attributes: [.posixPermissions: 0o700])
        else { throw BenchError(description: "cannot write \(agent.path)") }
        return agent.path
    }

    /// Kills node `node` with SIGKILL (its own PID only) and reaps it; returns when it is gone.
    func crash(node: UInt32) {
        guard let index = BenchCluster.nodes.firstIndex(of: node) else { return }
        daemons[index].child.kill9()
    }

    /// One node's configuration: every node, the two benchmark lockspaces, NODIR master weights, `extra`.
    static func config(node: UInt32, ports: [UInt16], key: String, logLevel: String = "warning", extra: [String] = [])
        -> String
    {
        var lines = ["cluster_name=benchcluster", "our_nodeid=\(node)", "log_level=\(logLevel)", "key_file=\(key)"]
        for (index, peer) in nodes.enumerated() { lines.append("node id=\(peer) addr=127.0.0.1 port=\(ports[index])") }
        lines += [
            "lockspace \(nodirLockspace) nodir=1", "master \(nodirLockspace) node=\(nodirMaster) weight=1",
            "lockspace \(directoryLockspace)",
        ] + extra
        return lines.joined(separator: "\n") + "\n"
    }

    /// `count` resource names, `prefix.i`, whose directory node (directory mode) is not node 1.
    static func namesDirectedElsewhere(prefix: String, count: Int) throws -> [String] {
        let map = try DirectoryMap(members: Set(nodes.map { NodeID($0) }))
        var names: [String] = []
        names.reserveCapacity(count)
        var index = 0
        while names.count < count {
            let name = "\(prefix).\(index)"
            index += 1
            if map.directoryNode(for: try ResourceName(name)) != NodeID(nodes[0]) { names.append(name) }
        }
        return names
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw BenchError(description: "bind 127.0.0.1:0: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Stops every node by PID and removes the directory (key file included).
    func stop() {
        for daemon in daemons { daemon.stop() }
        daemons = []
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}
