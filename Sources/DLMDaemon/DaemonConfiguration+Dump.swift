// dlmd — DLMDaemon: the effective configuration as text (`dump_config`, `dlmd --print-config`).

import DLMCore

extension DaemonConfiguration {
    /// One `name=value` line per setting, suffixed ` (dlm.conf)` or ` (cli option)` when not a default,
    /// then the node, lockspace, master and fence_all lines — a valid configuration file itself.
    public func dumpText() -> String {
        var text = ""
        func line(_ name: String, _ value: String) {
            guard !value.isEmpty else { return }
            let source = sources[name].map { $0 == .defaultValue ? "" : " (\($0.rawValue))" } ?? ""
            text += "\(name)=\(value)\(source)\n"
        }
        line("cluster_name", clusterName)
        line("our_nodeid", "\(nodeID)")
        line("socket", socketPath)
        line("log_level", logLevel.rawValue)
        line("create_uid", createUIDs.sorted().map(String.init).joined(separator: ","))
        line("create_gid", createGIDs.sorted().map(String.init).joined(separator: ","))
        line("tcp_port", "\(tcpPort)")
        line("key_file", keyFile ?? "")
        line("heartbeat_interval_ms", "\(heartbeatIntervalMilliseconds)")
        line("node_timeout_ms", "\(nodeTimeoutMilliseconds)")
        line("recover_timeout_ms", "\(recoverTimeoutMilliseconds)")
        line("metrics_listen", metricsListen?.description ?? "")
        line("heartbeat_interval", "\(heartbeatInterval)")
        line("failure_timeout", "\(failureTimeout)")
        line("enable_fencing", enableFencing ? "1" : "0")
        line("two_node", twoNode ? "1" : "0")
        line("fence_timeout", "\(fenceTimeout)")
        for node in nodes {
            text += "node id=\(node.id) addr=\(node.address) port=\(node.port) weight=\(node.weight)\n"
        }
        for lockspace in lockspaces {
            text += "lockspace \(lockspace.name) nodir=\(lockspace.noDirectory ? 1 : 0) lvblen=\(lockspace.valueBlockLength)"
            text += " mode=0\(String(lockspace.mode, radix: 8))\n"
            for master in lockspace.masters {
                text += "master \(lockspace.name) node=\(master.node) weight=\(master.weight)\n"
            }
        }
        if let fence = fenceAll {
            text += "fence_all \(([fence.agent] + fence.arguments).joined(separator: " "))\n"
        }
        for (name, device) in devices.sorted(by: { $0.key < $1.key }) {
            text += "device \(([name, device.agent] + device.arguments).joined(separator: " "))\n"
        }
        for (node, connect) in connects.sorted(by: { $0.key < $1.key }) {
            text += "connect \(([connect.agent, "node=\(node)"] + connect.arguments).joined(separator: " "))\n"
        }
        return text
    }
}
