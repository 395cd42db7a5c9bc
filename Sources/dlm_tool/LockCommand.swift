// dlmd — dlm_tool: `lock`, a quick-start helper that takes a lock, holds it, then unlocks it.

import ArgumentParser
import DLM
import Glibc

/// `dlm_tool lock LOCKSPACE RESOURCE [--mode ex] [--hold SECONDS] [--noqueue]`: joins the lockspace,
/// takes the lock with `lockWait`, prints the status block, holds the lock, unlocks with `unlockWait`
/// and prints the unlock status (EUNLOCK). Basts received while holding are printed.
struct LockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock", abstract: "Take a lock, hold it, release it (quick start).")
    @Argument(help: "Lockspace name (created or joined).") var lockspace: String
    @Argument(help: "Resource name.") var resource: String
    @Option(name: .shortAndLong, help: "Mode: nl, cr, cw, pr, pw, ex.") var mode: String = "ex"
    @Option(name: .long, help: "Seconds to hold the lock.") var hold: Double = 0
    @Flag(name: .long, help: "Fail with EAGAIN instead of waiting.") var noqueue = false
    @Flag(name: .long, help: "Take the lock PERSISTENT (it becomes an orphan if this process dies).") var persistent = false
    @OptionGroup var options: SocketOptions

    func run() {
        guard let lockMode = LockMode(name: mode) else { fail("invalid mode \(mode)") }
        var flags: LockFlags = []
        if noqueue { flags.insert(.noQueue) }
        if persistent { flags.insert(.persistent) }
        let handle: Lockspace
        do {
            handle = try DLM.createLockspace(lockspace, mode: 0o600, socketPath: options.socket)
        } catch {
            fail("dlm_create_lockspace \(lockspace) error \(error)")
        }
        defer { handle.close() }
        let block = LockStatusBlock()
        say("lock \"\(resource)\" mode \(lockMode) requested")
        do {
            try handle.lockWait(
                mode: lockMode, statusBlock: block, flags: flags, name: resource,
                blocking: { wanted in say("blocking callback: another lock waits for \(wanted)") })
        } catch {
            fail("lock \(resource) error \(error)")
        }
        say("lock \"\(resource)\" status \(statusName(block.status)) lkid \(hex(block.lockID))")
        guard block.status == 0 else { Glibc.exit(1) }
        holdLock(handle)
        do {
            try handle.unlockWait(lockID: block.lockID, statusBlock: block)
        } catch {
            fail("unlock \(resource) error \(error)")
        }
        say("unlock \"\(resource)\" status \(statusName(block.status))")
    }

    /// Sleeps for `hold` seconds while running callbacks (basts) as they arrive.
    private func holdLock(_ handle: Lockspace) {
        var remaining = Int64(hold * 1000)
        while remaining > 0 {
            let slice = Int32(min(remaining, 100))
            var pfd = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, slice) > 0 { try? handle.dispatch() }
            remaining -= Int64(slice)
        }
    }
}

/// A status as libdlm programs print it: 0, EAGAIN, EUNLOCK ...
func statusName(_ status: Int32) -> String {
    if let completion = CompletionStatus(rawValue: status) { return completion.description }
    return DLMErrno(status).description
}

/// `0x%08x`.
func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
