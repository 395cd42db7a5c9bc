// Tests ConfigurationChange, the reload planner: two configurations are parsed from text and
// compared. Live settings (log_level, create_uid/gid, new lockspace lines) land in `applied`;
// identity, socket, transport, metrics, members, fencing and removed or altered lockspaces are
// listed as needing a restart and keep their old values in `applied`.

import DLMCore
@testable import DLMDaemon
import Logging
import Testing

@Suite("reload planning")
struct ConfigurationChangeTests {
    private func config(_ text: String) throws -> DaemonConfiguration {
        try DaemonConfiguration.resolve(file: try ConfigParser.parse(text))
    }

    @Test("an identical file changes nothing")
    func identical() throws {
        let text = "log_level=info\nlockspace a mode=0660\n"
        #expect(ConfigurationChange(current: try config(text), reloaded: try config(text)).isEmpty)
    }

    @Test("log level, privileges and new lockspaces apply live")
    func live() throws {
        let current = try config("log_level=warning\nlockspace a\n")
        let change = ConfigurationChange(
            current: current, reloaded: try config("log_level=debug\ncreate_uid=1000,1001\nlockspace a\nlockspace b mode=0666 lvblen=64\n"))
        #expect(change.appliedSettings == ["log_level", "create_uid"])
        #expect(change.addedLockspaces.map(\.name) == ["b"])
        #expect(change.needsRestart.isEmpty)
        #expect(change.applied.logLevel == .debug)
        #expect(change.applied.createUIDs == [1000, 1001])
        #expect(change.applied.lockspaces.map(\.name) == ["a", "b"])
        #expect(change.applied.lockspaces[1].valueBlockLength == 64)
        #expect(change.applied.dumpText().contains("log_level=debug (dlm.conf)"))
    }

    @Test("fixed settings and removed or altered lockspaces are reported, not applied")
    func restartNeeded() throws {
        let current = try config("socket=/run/a.sock\nmetrics_listen=127.0.0.1:9464\nlockspace a\nlockspace b mode=0600\n")
        let reloaded = try config(
            "socket=/run/b.sock\nour_nodeid=2\ncluster_name=other\nlockspace b mode=0666\nfence_all /bin/true\n")
        let change = ConfigurationChange(current: current, reloaded: reloaded)
        #expect(Set(change.needsRestart) == [
            "socket", "our_nodeid", "cluster_name", "metrics_listen", "fence_all", "lockspace a removed",
            "lockspace b changed",
        ])
        #expect(change.applied.socketPath == "/run/a.sock")
        #expect(change.applied.nodeID == 1)
        #expect(change.applied.metricsListen == .init(host: "127.0.0.1", port: 9464))
        #expect(change.applied.lockspaces.map(\.mode) == [0o600, 0o600])
        #expect(change.addedLockspaces.isEmpty)
    }

    @Test("metrics_listen parses HOST:PORT and [V6]:PORT and rejects the rest")
    func metricsListen() throws {
        #expect(try config("metrics_listen=127.0.0.1:9464\n").metricsListen == .init(host: "127.0.0.1", port: 9464))
        #expect(try config("metrics_listen=[::1]:9000\n").metricsListen?.description == "[::1]:9000")
        #expect(throws: ConfigError(line: 1, "metrics_listen port must be a number in 1...65535")) {
            try config("metrics_listen=127.0.0.1:http\n")
        }
        #expect(throws: ConfigError(line: 1, "metrics_listen must be HOST:PORT, such as 127.0.0.1:9464")) {
            try config("metrics_listen=9464\n")
        }
        #expect(try config("log_level=info\n").metricsListen == nil, "off by default")
    }
}
