// dlm-bench — the same workloads driven through the Swift client library (`DLM`), in this process,
// so the client's own cost shows next to the C library's.

import DLM
import Foundation
import Histogram

/// Workloads run with the Swift client: synchronous `lockWait`/`unlockWait` on threads.
struct SwiftWorkloads {
    let socketPath: String
    let seconds: Double

    /// One thread's loop: returns its latencies (nanoseconds) and operation count.
    private typealias Body = (_ handle: Lockspace, _ client: Int, _ thread: Int, _ until: UInt64) throws -> Histogram<UInt64>

    /// `local`: one client, EX lock then unlock on a new resource each time.
    func local() throws -> Measurement {
        try run(workload: "local", unit: "pair", clients: 1, depth: 1, body: pairs)
    }

    /// `pipelined`: `clients` handles with `depth` threads each running lock/unlock pairs, as the C
    /// driver does (every `_wait` call blocks its thread, so K outstanding requests need K threads).
    func pipelined(clients: Int, depth: Int) throws -> Measurement {
        try run(workload: "pipelined", unit: "pair", clients: clients, depth: depth, body: pairs)
    }

    /// `contended`: `clients` handles taking EX in turn on one hot resource; samples are grant waits.
    func contended(clients: Int) throws -> Measurement {
        try run(workload: "contended", unit: "grant", clients: clients, depth: 1) { handle, _, _, until in
            var histogram = Measurement.makeHistogram()
            let block = LockStatusBlock()
            while now() < until {
                let start = now()
                try handle.lockWait(mode: .ex, statusBlock: block, name: "hot")
                _ = histogram.record(max(now() - start, 1))
                try SwiftWorkloads.expectGranted(block)
                try handle.unlockWait(lockID: block.lockID, statusBlock: block)
            }
            return histogram
        }
    }

    private func pairs(handle: Lockspace, client: Int, thread: Int, until: UInt64) throws -> Histogram<UInt64> {
        var histogram = Measurement.makeHistogram()
        let block = LockStatusBlock()
        var index = 0
        while now() < until {
            let name = try ResourceName("s\(client).\(thread).\(index)")
            let start = now()
            try handle.lockWait(mode: .ex, statusBlock: block, name: name)
            try SwiftWorkloads.expectGranted(block)
            try handle.unlockWait(lockID: block.lockID, statusBlock: block)
            _ = histogram.record(max(now() - start, 1))
            index += 1
        }
        return histogram
    }

    /// Throws unless the lock request in `block` was granted.
    static func expectGranted(_ block: LockStatusBlock) throws {
        guard block.status == 0 else { throw BenchError(description: "lock status \(block.status), not granted") }
    }

    private func run(workload: String, unit: String, clients: Int, depth: Int, body: @escaping Body) throws -> Measurement {
        let handles = try (0..<clients).map { _ in try DLM.openLockspace(BenchLimits.lockspace, socketPath: socketPath) }
        defer { handles.forEach { $0.close() } }
        let results = ResultBox()
        let start = now()
        let until = start + UInt64(seconds * 1e9)
        var threads: [Thread] = []
        for client in 0..<clients {
            for thread in 0..<depth {
                let handle = handles[client]
                threads.append(Thread { results.add(Result { try body(handle, client, thread, until) }) })
            }
        }
        threads.forEach { $0.start() }
        results.wait(for: threads.count)
        let elapsed = Double(now() - start) / 1e9
        var histogram = Measurement.makeHistogram()
        for result in results.all { histogram.add(try result.get()) }
        return Measurement(
            workload: workload, driver: "swift", unit: unit, clients: clients, depth: depth,
            operations: histogram.totalCount, seconds: elapsed, histogram: histogram)
    }
}

/// Monotonic nanoseconds.
func now() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// Collects the threads' results.
private final class ResultBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Result<Histogram<UInt64>, any Error>] = []

    func add(_ result: Result<Histogram<UInt64>, any Error>) {
        condition.lock()
        results.append(result)
        condition.broadcast()
        condition.unlock()
    }

    func wait(for count: Int) {
        condition.lock()
        while results.count < count { condition.wait() }
        condition.unlock()
    }

    var all: [Result<Histogram<UInt64>, any Error>] {
        condition.lock()
        defer { condition.unlock() }
        return results
    }
}
