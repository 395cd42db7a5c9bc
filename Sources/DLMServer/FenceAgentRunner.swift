// dlmd — DLMServer: runs a fence agent as a child process: `nodeid=N` and the configured key=value
// arguments on its stdin (as fence agents read them), bounded in time; exit status 0 means fenced.

import DLMCore
import Dispatch
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The command that fences one node: the agent's path and the lines written to its stdin.
public struct FenceCommand: Sendable, Equatable {
    /// Executable path (or a name found on PATH).
    public var agent: String
    /// `key=value` arguments from the `fence_all`/`device` line and the node's `connect` line.
    public var arguments: [String]

    public init(agent: String, arguments: [String]) {
        self.agent = agent
        self.arguments = arguments
    }
}

/// Runs fence agents off the event loop. Each run is one child process this daemon started; it is
/// killed (by its PID) when it overruns `timeout`.
enum FenceAgentRunner {
    /// How often a running agent is checked for exit.
    static let pollInterval: useconds_t = 20_000

    /// Runs `command` for `node` on a background queue and calls `done(success)` there.
    static func run(
        _ command: FenceCommand, node: NodeID, timeout: Duration, logger: Logger, done: @escaping @Sendable (Bool) -> Void
    ) {
        DispatchQueue.global().async {
            let started = ContinuousClock.now
            let status = spawnAndWait(command, node: node, timeout: timeout)
            let elapsed = ContinuousClock.now - started
            let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            logger.notice(
                "fence agent finished",
                metadata: [
                    "dlm.victim": "\(node)", "dlm.agent": "\(command.agent)", "dlm.status": "\(status.map { "\($0)" } ?? "timeout")",
                    "dlm.elapsed_ms": "\(milliseconds)",
                ])
            done(status == 0)
        }
    }

    /// The agent's exit status (nil: it could not start, died of a signal, or overran and was killed).
    static func spawnAndWait(_ command: FenceCommand, node: NodeID, timeout: Duration) -> Int32? {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(command.agent), nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawnp(&pid, command.agent, &actions, nil, argv, environ)
        close(pipeEnds[0])
        guard spawned == 0 else {
            close(pipeEnds[1])
            return nil
        }
        let input = (command.arguments + ["nodeid=\(node)", "action=off"]).joined(separator: "\n") + "\n"
        signal(SIGPIPE, SIG_IGN)
        _ = input.utf8CString.withUnsafeBufferPointer { write(pipeEnds[1], $0.baseAddress, $0.count - 1) }
        close(pipeEnds[1])
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 { return nil }
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return nil
            }
            usleep(pollInterval)
        }
        // WIFEXITED / WEXITSTATUS, spelled out (the C macros are not imported).
        guard status & 0x7f == 0 else { return nil }
        return (status >> 8) & 0xff
    }
}
