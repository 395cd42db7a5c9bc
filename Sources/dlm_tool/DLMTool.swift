// dlmd — dlm_tool: the command-line tool, with dlm_tool's subcommand names, talking to dlmd over its socket.

import ArgumentParser
import DLM
import Glibc

/// Options every subcommand accepts.
struct SocketOptions: ParsableArguments {
    @Option(name: .long, help: "dlmd's socket (default: $DLMD_SOCKET, else /run/dlmd/dlmd.sock).")
    var socket: String?
}

@main
struct DLMTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlm_tool",
        abstract: "Inspect and use dlmd, the distributed lock manager daemon.",
        subcommands: [
            ListLockspaces.self, Status.self, LockDump.self, LockDebug.self, DumpConfig.self, Join.self, Leave.self,
            LockCommand.self, FenceAck.self,
        ]
    )
}

/// Prints `message` to standard error and exits with status 1.
func fail(_ message: String) -> Never {
    FileHandleStderr.write("dlm_tool: \(message)\n")
    exit(1)
}

/// Writes to standard error without Foundation.
enum FileHandleStderr {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

/// Prints a line and flushes, so a parent process reading a pipe sees progress at once.
func say(_ line: String) {
    print(line)
    fflush(stdout)
}

/// Runs a query and prints the daemon's text as-is.
func printQuery(_ query: DLMQuery, options: SocketOptions, what: String) {
    do {
        let text = try DLMAdmin.query(query, socketPath: options.socket)
        print(text, terminator: text.hasSuffix("\n") || text.isEmpty ? "" : "\n")
    } catch {
        fail("\(what) failed: \(error)")
    }
}

struct ListLockspaces: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the lockspaces dlmd knows.")
    @OptionGroup var options: SocketOptions
    func run() { printQuery(.lockspaces, options: options, what: "ls") }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the daemon's state.")
    @OptionGroup var options: SocketOptions
    func run() { printQuery(.status, options: options, what: "status") }
}

struct LockDump: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lockdump", abstract: "List a lockspace's locks.")
    @Argument(help: "Lockspace name.") var name: String
    @OptionGroup var options: SocketOptions
    func run() { printQuery(.lockDump(lockspace: name), options: options, what: "lockdump") }
}

struct LockDebug: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lockdebug", abstract: "Show a lockspace's full lock state on this node.")
    @Argument(help: "Lockspace name.") var name: String
    @OptionGroup var options: SocketOptions
    func run() { printQuery(.lockDebug(lockspace: name), options: options, what: "lockdebug") }
}

struct DumpConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dump_config", abstract: "Print the effective configuration.")
    @OptionGroup var options: SocketOptions
    func run() { printQuery(.dumpConfig, options: options, what: "dump_config") }
}

struct Join: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "join", abstract: "Create or join a lockspace, then close it.")
    @Argument(help: "Lockspace name.") var name: String
    @Option(name: .short, help: "Permission mode, octal (default 600).") var mode: String = "600"
    @Option(name: .short, help: "1: fail if the lockspace exists (NEWEXCL).") var e: Int = 0
    @Option(name: .short, help: "1: file-system lockspace flag (DLM_LSFL_FS).") var f: Int = 0
    @OptionGroup var options: SocketOptions

    func run() {
        guard let bits = UInt32(mode, radix: 8) else { fail("invalid mode \(mode)") }
        var flags: LockspaceFlags = []
        if e == 1 { flags.insert(.newExclusive) }
        if f == 1 { flags.insert(.fileSystem) }
        say("Joining lockspace \"\(name)\" permission \(String(bits, radix: 8))")
        do {
            let handle = try DLM.newLockspace(name, mode: bits, flags: flags, socketPath: options.socket)
            handle.close()
        } catch {
            fail("dlm_new_lockspace \(name) error \(error)")
        }
        say("done")
    }
}

struct Leave: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "leave", abstract: "Release a lockspace (with force).")
    @Argument(help: "Lockspace name.") var name: String
    @OptionGroup var options: SocketOptions

    func run() {
        say("Leaving lockspace \"\(name)\"")
        do {
            try DLMAdmin.releaseLockspace(name, force: true, socketPath: options.socket)
        } catch {
            fail("dlm_release_lockspace \(name) error \(error)")
        }
        say("done")
    }
}

struct FenceAck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fence_ack", abstract: "Confirm that a departed node is dead (it was fenced by hand).")
    @Argument(help: "The departed node's id.") var nodeID: UInt32
    @OptionGroup var options: SocketOptions

    func run() {
        do {
            try DLMAdmin.fenceAck(nodeID: nodeID, socketPath: options.socket)
        } catch {
            fail("fence_ack \(nodeID) error \(error)")
        }
        say("fence_ack \(nodeID) done")
    }
}
