// Tests the configuration parser and the effective configuration: a full example parses into the
// expected values, every kind of bad line is reported as "line N: message", command line beats the
// file which beats the defaults, and the shipped config/*.conf files parse and resolve.

import DLMDaemon
import Foundation
import Logging
import Testing

@Suite("configuration")
struct ConfigParserTests {
    @Test("a complete file parses into settings, nodes, lockspaces with masters and fencing")
    func fullFile() throws {
        let text = """
            # comment
            cluster_name=alpha
            our_nodeid = 2
            log_level=debug
            create_uid=1000,1001

            node id=1 addr=10.0.0.1 port=21064
            node id=2 addr=10.0.0.2 port=21064 weight=0
            lockspace web nodir=1 lvblen=64 mode=0660
            master web node=1 weight=2
            master web node=2
            lockspace plain
            fence_all /bin/fence_x a=b
            """
        let file = try ConfigParser.parse(text)
        #expect(file.settings["our_nodeid"] == ConfigSetting(value: "2", line: 3))
        #expect(file.nodes == [
            NodeEntry(id: 1, address: "10.0.0.1", port: 21064, weight: 1, line: 7),
            NodeEntry(id: 2, address: "10.0.0.2", port: 21064, weight: 0, line: 8),
        ])
        #expect(file.lockspaces == [
            LockspaceEntry(name: "web", noDirectory: true, valueBlockLength: 64, mode: 0o660,
                           masters: [MasterEntry(node: 1, weight: 2), MasterEntry(node: 2)], line: 9),
            LockspaceEntry(name: "plain", line: 12),
        ])
        #expect(file.fenceAll == FenceAgent(agent: "/bin/fence_x", arguments: ["a=b"]))
        let config = try DaemonConfiguration.resolve(file: file)
        #expect(config.clusterName == "alpha" && config.nodeID == 2 && config.logLevel == .debug)
        #expect(config.createUIDs == [1000, 1001])
    }

    @Test("bad lines are reported with their line number", arguments: [
        ("cluster_name=a\nfrobnicate=1", "line 2: unknown setting 'frobnicate'"),
        ("just words", "line 1: expected name=value or a node, lockspace, master or fence_all line"),
        ("our_nodeid=0", "line 1: our_nodeid must be a number in 1...4294967295"),
        ("\n\nlog_level=loud", "line 3: log_level must be trace, debug, info, notice, warning, error or critical"),
        ("node id=1 addr=a", "line 1: node line needs id=, addr= and port="),
        ("node id=1 addr=a port=99999", "line 1: port must be a number in 1...65535"),
        ("node id=1 addr=a port=1\nnode id=1 addr=b port=1", "line 2: node id 1 given twice"),
        ("node id=1 addr=a port=1 colour=red", "line 1: unknown key 'colour'"),
        ("lockspace a lvblen=12", "line 1: lvblen must be a multiple of 8"),
        ("lockspace a mode=999", "line 1: mode must be octal permission bits such as 0660"),
        ("lockspace a\n\nmaster a node=1", "line 3: master line does not follow its lockspace line"),
        ("lockspace a\nmaster b node=1", "line 2: master line does not follow its lockspace line"),
        ("socket=/a\nsocket=/b", "line 2: setting 'socket' already given on line 1"),
        ("tcp_port=", "line 1: setting 'tcp_port' has no value"),
        ("connect d node=1", "line 1: connect needs a device declared above and node=N"),
        ("toss_secs=0", "line 1: toss_secs must be a number in 1...3600"),
        (String(repeating: "#", count: 257), "line 1: line longer than 256 characters"),
    ])
    func errors(text: String, message: String) {
        #expect(throws: Error.self) { try resolve(text) }
        do {
            _ = try resolve(text)
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test("cross-line errors: our node and masters must have node lines")
    func membership() {
        #expect(throws: ConfigError(line: nil, "our node id 3 has no node line")) {
            try resolve("our_nodeid=3\nnode id=1 addr=a port=1")
        }
        #expect(throws: ConfigError(line: 2, "lockspace l: master node 9 has no node line")) {
            try resolve("node id=1 addr=a port=1\nlockspace l\nmaster l node=9")
        }
    }

    @Test("command line beats the file, which beats the defaults; dump marks the source")
    func precedence() throws {
        let file = try ConfigParser.parse("socket=/file.sock\nlog_level=debug")
        let config = try DaemonConfiguration.resolve(
            file: file, overrides: .init(socketPath: "/cli.sock", nodeID: nil, logLevel: .error))
        #expect(config.socketPath == "/cli.sock" && config.logLevel == .error && config.nodeID == 1)
        let dump = config.dumpText()
        #expect(dump.contains("socket=/cli.sock (cli option)\n"))
        #expect(dump.contains("our_nodeid=1\n"))
        #expect(try DaemonConfiguration.resolve(file: ConfigFile()).socketPath == "/run/dlmd/dlmd.sock")
    }

    @Test("toss_secs reaches the service configuration; 10 s by default")
    func tossSeconds() throws {
        #expect(try resolve("toss_secs=45").serviceConfiguration().tossDuration == .seconds(45))
        #expect(try resolve("").serviceConfiguration().tossDuration == .seconds(10))
    }

    @Test("the dump of a configuration parses back to the same configuration")
    func dumpRoundTrip() throws {
        let config = try DaemonConfiguration.resolve(file: try ConfigParser.parse(try shipped("dlmd.conf")))
        let dump = config.dumpText().split(separator: "\n").map { $0.replacingOccurrences(of: " (dlm.conf)", with: "") }
        let again = try DaemonConfiguration.resolve(file: try ConfigParser.parse(dump.joined(separator: "\n")))
        #expect(again.dumpText() == config.dumpText())
        #expect(again.nodes.map(\.id) == config.nodes.map(\.id) && again.lockspaces.map(\.masters) == config.lockspaces.map(\.masters))
    }

    @Test("the shipped config files parse; single-node uses run/dlmd.sock and node 1")
    func shippedFiles() throws {
        let single = try DaemonConfiguration.resolve(file: try ConfigParser.parse(try shipped("single-node.conf")))
        #expect(single.socketPath == "run/dlmd.sock" && single.nodeID == 1)
        #expect(single.lockspaces.map(\.name) == ["default"])
        let example = try DaemonConfiguration.resolve(file: try ConfigParser.parse(try shipped("dlmd.conf")))
        #expect(example.nodes.count == 3 && example.lockspaces.count == 2 && example.fenceAll != nil)
    }
}

private func resolve(_ text: String) throws -> DaemonConfiguration {
    try DaemonConfiguration.resolve(file: try ConfigParser.parse(text))
}

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func shipped(_ name: String) throws -> String {
    try String(contentsOf: packageRoot.appendingPathComponent("config/\(name)"), encoding: .utf8)
}
