// dlm-bench — stops the benchmark's own children (by PID) when dlm-bench is interrupted or overruns.

import Foundation
import Glibc

/// Kills registered child PIDs on SIGINT/SIGTERM or when the whole run exceeds its deadline.
enum Watchdog {
    nonisolated(unsafe) private static var children: [pid_t] = []
    private static let lock = NSLock()
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Remembers a child to stop on interruption.
    static func register(_ pid: pid_t) {
        lock.lock()
        children.append(pid)
        lock.unlock()
    }

    /// Forgets a child that was stopped normally.
    static func unregister(_ pid: pid_t) {
        lock.lock()
        children.removeAll { $0 == pid }
        lock.unlock()
    }

    /// Installs the signal handlers and a deadline of `seconds` for the whole run.
    static func arm(seconds: Double) {
        for signo in [SIGINT, SIGTERM] {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler { abort(status: 128 + signo, why: "interrupted") }
            source.resume()
            sources.append(source)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            abort(status: 124, why: "the run exceeded its \(Int(seconds)) s bound")
        }
    }

    private static func abort(status: Int32, why: String) {
        lock.lock()
        let pids = children
        lock.unlock()
        FileHandle.standardError.write(Data("dlm-bench: \(why); stopping children \(pids)\n".utf8))
        for pid in pids { kill(pid, SIGKILL) }
        exit(status)
    }
}
