// dlm-bench — one measured workload: counts, parameters and latency percentiles, and its JSON line.

import Foundation
import Histogram

/// The result of one workload run by one driver.
struct Measurement: Sendable {
    /// Workload name: local, pipelined, contended, shared, held, roundtrip ...
    var workload: String
    /// What drove it: `libdlm-c`, `swift`, `raw-unix`, `raw-tcp`, `redis-c`.
    var driver: String
    /// What one operation is (pair, grant, roundtrip ...), for the table.
    var unit: String
    var clients: Int
    var depth: Int
    var operations: UInt64
    var seconds: Double
    /// Latency distribution in nanoseconds.
    var histogram: Histogram<UInt64>
    /// Extra numeric results and parameters (RSS, bytes per lock, held locks ...).
    var extra: [String: Double] = [:]

    var opsPerSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }

    /// A row of the recovery workload: one interval, no round-trip ratio.
    var isRecovery: Bool { workload.hasPrefix("recovery") }

    /// Latency at `percentile` in microseconds (0 when nothing was sampled).
    func micros(_ percentile: Double) -> Double {
        histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1000
    }

    /// An empty histogram with the range every measurement uses (1 ns ... 100 s, 3 digits).
    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(
            lowestDiscernibleValue: 1, highestTrackableValue: BenchLimits.histogramMaxNanoseconds,
            numberOfSignificantValueDigits: .three)
    }

    /// The machine-readable line: every figure, plus ratios to the Unix round trip when known.
    func jsonLine(unixRoundTrip: Measurement?) -> String {
        var object: [String: Any] = [
            "workload": workload, "driver": driver, "unit": unit, "clients": clients, "outstanding_per_client": depth,
            "ops": operations, "seconds": rounded(seconds, 4), "ops_per_s": rounded(opsPerSecond, 1),
            "p50_us": rounded(micros(50), 2), "p99_us": rounded(micros(99), 2), "p999_us": rounded(micros(99.9), 2),
            "samples": histogram.totalCount,
        ]
        if let unix = unixRoundTrip, unix.histogram.totalCount > 0, histogram.totalCount > 0 {
            object["ratio_p50_to_unix_rtt"] = rounded(micros(50) / unix.micros(50), 2)
            object["ratio_p99_to_unix_rtt"] = rounded(micros(99) / unix.micros(99), 2)
            object["ratio_p999_to_unix_rtt"] = rounded(micros(99.9) / unix.micros(99.9), 2)
        }
        for (key, value) in extra { object[key] = rounded(value, 2) }
        return Measurement.encode(object)
    }

    static func encode(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    private func rounded(_ value: Double, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }
}

/// The benchmark's named constants.
enum BenchLimits {
    /// Largest latency the histograms track: 100 s.
    static let histogramMaxNanoseconds: UInt64 = 100_000_000_000
    /// Longest a started dlmd or redis may take to listen.
    static let startupSeconds: Double = 15
    /// How long a stopping process gets after SIGTERM before SIGKILL.
    static let stopSeconds: Double = 5
    /// A C program may run this much longer than its own time budget before it is killed.
    static let programGraceSeconds: Double = 60
    /// The lockspace every workload uses.
    static let lockspace = "bench"
    /// Message sizes of the raw ping-pong: a LOCK frame with a ~10-byte name, and RESULT + COMPLETION.
    static let requestBytes = 46
    static let responseBytes = 52
    /// Bytes of the cluster workloads' shared key file.
    static let clusterKeyBytes = 48
    /// Pairs (and at most seconds) run before a cluster workload is measured.
    static let clusterWarmUpPairs = 300
    static let clusterWarmUpSeconds: Double = 5
    /// Names generated for `lookup`: per second of workload (well above the rate), and at least.
    static let lookupNamesPerSecond: Double = 40_000
    static let lookupNamesMin = 2_000
    /// The recovery cluster's membership timing: dlmd's defaults, written out so a changed default shows.
    static let recoveryHeartbeatMilliseconds = 250
    static let recoveryFailureTimeoutMilliseconds = 2000
    /// Locks the recovery workload holds across its three nodes (`--quick`: the small version).
    static let recoveryLocks = 100_000
    static let recoveryLocksQuick = 1_000
    /// The holders must reach at least this rate (locks/s, all nodes together) or the run fails.
    static let recoveryMinimumAcquirePerSecond: Double = 500
    /// Pause between the waiter's request and the kill, so the request is queued at node 3.
    static let recoveryQueueSeconds = 0.3
    /// Status poll period after the kill, and the longest the recovery may take before the run fails.
    static let recoveryPollSeconds = 0.002
    static let recoveryBoundSeconds: Double = 30
    /// Log lines per survivor printed when the recovery overran its bound.
    static let recoveryLogLines = 60
}
