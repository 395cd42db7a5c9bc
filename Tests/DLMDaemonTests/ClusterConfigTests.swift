// The daemon's cluster configuration: node and lockspace/master lines become the service's static
// members and known lockspaces (with NODIR master weights); a real dlmd with another node listed
// refuses to start without a key_file or with a key file others can read, and says why; the
// membership settings (heartbeat_interval, failure_timeout, enable_fencing, two_node, fence_timeout)
// and the fence commands from fence_all / device + connect lines.

import DLMCore
import DLMDaemon
import DLMServer
import Foundation
import Glibc
import Testing

@Suite("cluster configuration")
struct ClusterConfigTests {
    static let nodes = "node id=1 addr=127.0.0.1 port=21991\nnode id=2 addr=127.0.0.1 port=21992\n"

    @Test("node and lockspace lines become the service's members and known lockspaces")
    func serviceSettings() throws {
        let file = try ConfigParser.parse(Self.nodes + "our_nodeid=2\nlockspace ls1 nodir=1 lvblen=64\nmaster ls1 node=2 weight=3\n")
        let configuration = try DaemonConfiguration.resolve(file: file)
        #expect(configuration.isCluster)
        let service = configuration.serviceConfiguration()
        #expect(service.members == [1, 2])
        let known = try #require(service.knownLockspaces.first)
        #expect(known.name == (try LockspaceName("ls1")))
        #expect(known.noDirectory && known.masterWeights == [2: 3] && known.valueBlockLength == 64)
        let alone = try DaemonConfiguration.resolve(file: ConfigParser.parse("node id=1 addr=127.0.0.1 port=21991\n"))
        #expect(!alone.isCluster)
    }

    @Test("membership settings and fence commands: device + connect win over fence_all")
    func membershipSettings() throws {
        let text = Self.nodes + "node id=3 addr=127.0.0.1 port=21993\nheartbeat_interval=200\nfailure_timeout=900\n"
            + "enable_fencing=0\nfence_timeout=5000\nfence_all /sbin/fence_all_agent ipaddr=10.0.0.9\n"
            + "device ipmi /sbin/fence_ipmilan login=admin\nconnect ipmi node=2 ipaddr=10.0.0.2\n"
        let configuration = try DaemonConfiguration.resolve(file: ConfigParser.parse(text))
        let settings = configuration.membershipSettings(incarnation: 42)
        #expect(settings.incarnation == 42 && !settings.enableFencing && !settings.twoNode)
        #expect(settings.heartbeatInterval == .milliseconds(200) && settings.failureTimeout == .milliseconds(900))
        #expect(settings.fenceTimeout == .milliseconds(5000))
        #expect(settings.fenceCommands[2] == FenceCommand(agent: "/sbin/fence_ipmilan", arguments: ["login=admin", "ipaddr=10.0.0.2"]))
        #expect(settings.fenceCommands[3] == FenceCommand(agent: "/sbin/fence_all_agent", arguments: ["ipaddr=10.0.0.9"]))
        #expect(configuration.dumpText().contains("connect ipmi node=2 ipaddr=10.0.0.2\n"))
        let defaults = try DaemonConfiguration.resolve(file: ConfigParser.parse(Self.nodes)).membershipSettings(incarnation: 1)
        #expect(defaults.enableFencing && defaults.heartbeatInterval == .milliseconds(250) && defaults.failureTimeout == .seconds(2))
        #expect(defaults.fenceCommands.isEmpty)
        for (bad, message) in [
            ("heartbeat_interval=500\nfailure_timeout=400\n", "failure_timeout must be longer than heartbeat_interval"),
            ("two_node=1\nnode id=3 addr=127.0.0.1 port=21993\n", "two_node=1 needs exactly two node lines"),
        ] {
            #expect(throws: ConfigError(line: nil, message)) {
                try DaemonConfiguration.resolve(file: ConfigParser.parse(Self.nodes + bad))
            }
        }
        #expect(MembershipSettings.incarnation(ofRun: 1_700_000_000_123_456_789) == MembershipSettings.incarnation(ofRun: 1_700_000_000_123_999_999))
        #expect(MembershipSettings.incarnation(ofRun: 1_700_000_000_123_456_789) != MembershipSettings.incarnation(ofRun: 1_700_000_000_124_456_789))
    }

    @Test("dlmd with peers refuses a missing key_file and a key file others may read", arguments: [false, true])
    func keyFileRequired(withLooseKey: Bool) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var text = "socket=\(directory)/s.sock\n" + Self.nodes
        if withLooseKey {
            let key = directory + "/loose.key"
            FileManager.default.createFile(
                atPath: key, contents: Data(repeating: 7, count: 48), attributes: [.posixPermissions: 0o644])
            text += "key_file=\(key)\n"
        }
        let configPath = directory + "/cluster.conf"
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        let errors = Pipe()
        let process = try launch(["--config", configPath], standardError: errors)
        #expect(try await waitFor { !process.isRunning })
        #expect(process.terminationStatus != 0)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains(withLooseKey ? "key_file \(directory)/loose.key" : "key_file is required"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/s.sock"), "no socket left behind")
    }
}
