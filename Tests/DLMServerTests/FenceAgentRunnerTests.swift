// The fence agent runner with real child processes (shell scripts the test writes in a temporary
// directory): the agent reads the configured key=value lines, `nodeid=N` and `action=off` on stdin;
// its exit status is returned; an agent that overruns its time limit is killed (its own PID) and
// counts as failed; a missing agent fails. Each run is bounded by a short timeout.

import DLMCore
import Foundation
import Glibc
import Testing

@testable import DLMServer

@Suite("fence agent runner")
struct FenceAgentRunnerTests {
    static func script(_ body: String, in directory: String, name: String) throws -> String {
        let path = directory + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/dlmd-fence-test-XXXXXX".utf8CString)
        guard let path = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return String(cString: path)
    }

    @Test("stdin carries the arguments, nodeid and action; the exit status decides")
    func stdinAndExitStatus() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let record = directory + "/stdin.txt"
        let agent = try Self.script("cat > \(record)\nexit 0", in: directory, name: "ok.sh")
        let status = FenceAgentRunner.spawnAndWait(FenceCommand(agent: agent, arguments: ["ipaddr=10.0.0.9", "login=admin"]), node: 5, timeout: .seconds(10))
        #expect(status == 0)
        #expect(fileContents(record) == "ipaddr=10.0.0.9\nlogin=admin\nnodeid=5\naction=off\n")
        let failing = try Self.script("cat > /dev/null\nexit 3", in: directory, name: "fail.sh")
        #expect(FenceAgentRunner.spawnAndWait(FenceCommand(agent: failing, arguments: []), node: 5, timeout: .seconds(10)) == 3)
        #expect(FenceAgentRunner.spawnAndWait(FenceCommand(agent: directory + "/missing", arguments: []), node: 5, timeout: .seconds(10)) == nil)
    }

    @Test("an agent that overruns fence_timeout is killed and counts as failed")
    func overrunIsKilled() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let agent = try Self.script("exec sleep 30", in: directory, name: "slow.sh")
        let started = ContinuousClock.now
        #expect(FenceAgentRunner.spawnAndWait(FenceCommand(agent: agent, arguments: []), node: 2, timeout: .milliseconds(300)) == nil)
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}

private func fileContents(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
