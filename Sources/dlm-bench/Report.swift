// dlm-bench — the human-readable table, the ratios to the Unix round trip, and the target checks
// (docs/benchmarks.md: dlmd against Redis and the memory budget).

import Foundation

/// Collects measurements and prints them.
final class Report {
    private(set) var measurements: [Measurement] = []

    /// The raw Unix-socket round trip of this run, the unit every latency is compared with.
    var unixRoundTrip: Measurement? { find("roundtrip", "raw-unix") }

    func find(_ workload: String, _ driver: String) -> Measurement? {
        measurements.first { $0.workload == workload && $0.driver == driver }
    }

    /// The physical path of a cluster row in µs (p50, p99) and its formula, from this run's round
    /// trips: remote lock/unlock = Unix + TCP; lookup lock = Unix + 2 TCP; lookup unlock = Unix
    /// (the requester became the master).
    func path(for workload: String) -> (p50: Double, p99: Double, formula: String)? {
        guard let unix = unixRoundTrip, let tcp = find("roundtrip", "raw-tcp") else { return nil }
        let tcpTrips: Double
        switch workload {
        case "remote-lock", "remote-unlock": tcpTrips = 1
        case "lookup-lock": tcpTrips = 2
        case "lookup-unlock": tcpTrips = 0
        default: return nil
        }
        let formula = tcpTrips == 0 ? "unixRTT" : tcpTrips == 1 ? "unixRTT + tcpRTT" : "unixRTT + 2 tcpRTT"
        return (unix.micros(50) + tcpTrips * tcp.micros(50), unix.micros(99) + tcpTrips * tcp.micros(99), formula)
    }

    /// Records `m` (with its path ratios when it is a cluster row) and prints its JSON line at once.
    func add(_ row: Measurement) {
        var m = row
        if let path = path(for: m.workload) {
            m.extra["path_p50_us"] = path.p50
            m.extra["path_p99_us"] = path.p99
            m.extra["ratio_p50_to_path"] = m.micros(50) / max(path.p50, 0.001)
            m.extra["ratio_p99_to_path"] = m.micros(99) / max(path.p99, 0.001)
        }
        measurements.append(m)
        print(m.jsonLine(unixRoundTrip: m.isRecovery ? nil : unixRoundTrip))
        fflush(stdout)
    }

    /// The table: one row per measurement.
    func table() -> String {
        let header = ["workload", "driver", "unit", "clients", "depth", "ops/s", "p50 µs", "p99 µs", "p99.9 µs", "p50/unixRTT"]
        var rows = [header]
        let unix = unixRoundTrip
        for m in measurements {
            let ratio = m.isRecovery ? "-" : unix.map { String(format: "%.2f", m.micros(50) / max($0.micros(50), 0.001)) } ?? "-"
            rows.append([
                m.workload, m.driver, m.unit, "\(m.clients)", "\(m.depth)", String(format: "%.0f", m.opsPerSecond),
                String(format: "%.1f", m.micros(50)), String(format: "%.1f", m.micros(99)),
                String(format: "%.1f", m.micros(99.9)), ratio,
            ])
        }
        if let held = find("held", "libdlm-c") {
            rows.append([
                "held memory", "dlmd", "bytes/lock", "-", "-", "-", String(format: "%.0f", held.extra["bytes_per_lock"] ?? 0),
                "-", "-", "\(Int(held.extra["held"] ?? 0)) locks; release stall "
                    + String(format: "%.3f s", held.extra["release_stall_seconds"] ?? 0),
            ])
        }
        if let summary = recoverySummary() { rows.append(summary) }
        return Report.markdown(rows)
    }

    /// The recovery rows in one line: seconds after the kill, and the waiter's grant after detection.
    private func recoverySummary() -> [String]? {
        guard let grant = find("recovery-grant", "dlmd") else { return nil }
        let value = { (key: String) in String(format: "%.3f s", grant.extra[key] ?? 0) }
        return [
            "recovery", "dlmd", "seconds", "-", "-", "-", "-", "-", "-",
            "\(Int(grant.extra["held"] ?? 0)) locks; detected \(value("detect_s")), all running \(value("running_s")), "
                + "waiter granted \(value("granted_s")) (\(value("granted_after_detect_s")) after detection)",
        ]
    }

    static func markdown(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var lines = ["| " + first.joined(separator: " | ") + " |", "|" + first.map { _ in "---" }.joined(separator: "|") + "|"]
        for row in rows.dropFirst() { lines.append("| " + row.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }

    /// One target: what is compared, the measured value, the limit, whether it was met.
    struct Target {
        var name: String
        var value: Double
        var limit: Double
        var met: Bool
        var detail: String
    }

    /// The targets that this run's measurements can check.
    func targets() -> [Target] {
        var result: [Target] = []
        if let d = find("local", "libdlm-c"), let r = find("local", "redis-c") {
            let ratio = d.micros(50) / r.micros(50)
            result.append(Target(name: "local pair p50 / Redis pair p50", value: ratio, limit: 1.25, met: ratio <= 1.25,
                detail: String(format: "%.1f µs vs %.1f µs", d.micros(50), r.micros(50))))
        }
        if let d = find("pipelined", "libdlm-c"), let r = find("pipelined", "redis-c") {
            let ratio = d.opsPerSecond / r.opsPerSecond
            result.append(Target(name: "pipelined pairs/s / Redis pairs/s", value: ratio, limit: 1, met: ratio >= 1,
                detail: String(format: "%.0f vs %.0f pairs/s", d.opsPerSecond, r.opsPerSecond)))
        }
        for (other, name) in [("etcd-py", "etcd"), ("zk-py", "ZooKeeper")] {
            guard let d = find("pipelined", "libdlm-c"), let o = find("pipelined", other) else { continue }
            let ratio = d.opsPerSecond / max(o.opsPerSecond, 0.001)
            result.append(Target(name: "pipelined pairs/s / \(name) pairs/s", value: ratio, limit: 100, met: ratio >= 100,
                detail: String(format: "%.0f vs %.0f pairs/s", d.opsPerSecond, o.opsPerSecond)))
        }
        if let d = find("contended", "libdlm-c") {
            if let r = find("contended", "redis-c") {
                let ratio = d.opsPerSecond / r.opsPerSecond
                result.append(Target(name: "contended hand-overs/s / Redis", value: ratio, limit: 1, met: ratio >= 1,
                    detail: String(format: "%.0f vs %.0f hand-overs/s", d.opsPerSecond, r.opsPerSecond)))
            }
            let spread = d.micros(99) / max(d.micros(50), 0.001)
            result.append(Target(name: "contended wait p99 / p50", value: spread, limit: 20, met: spread <= 20,
                detail: String(format: "p50 %.1f µs, p99 %.1f µs", d.micros(50), d.micros(99))))
        }
        for workload in ["remote-lock", "remote-unlock", "lookup-lock"] {
            guard let m = find(workload, "libdlm-c"), let path = path(for: workload) else { continue }
            let ratio = m.micros(50) / max(path.p50, 0.001)
            result.append(Target(
                name: "\(workload) p50 / (\(path.formula))", value: ratio, limit: 1.5, met: ratio <= 1.5,
                detail: String(format: "p50 %.1f µs vs %.1f µs; p99 %.1f µs vs %.1f µs",
                    m.micros(50), path.p50, m.micros(99), path.p99)))
        }
        if let grant = find("recovery-grant", "dlmd"), let afterDetection = grant.extra["granted_after_detect_s"] {
            let held = "\(Int(grant.extra["held"] ?? 0)) locks"
            result.append(Target(name: "recovery waiter granted after detection (s)", value: afterDetection, limit: 1,
                met: afterDetection <= 1, detail: held))
            let afterKill = grant.seconds
            result.append(Target(name: "recovery waiter granted after the kill (s)", value: afterKill, limit: 3,
                met: afterKill <= 3, detail: held + String(format: ", failure_timeout %.0f ms", grant.extra["failure_timeout_ms"] ?? 0)))
        }
        if let held = find("held", "libdlm-c"), let bytes = held.extra["bytes_per_lock"] {
            result.append(Target(name: "held bytes per lock", value: bytes, limit: 300, met: bytes <= 300,
                detail: "\(Int(held.extra["held"] ?? 0)) locks"))
        }
        return result
    }

    /// The target table, and a JSON line per target.
    func targetReport() -> (table: String, json: [String]) {
        let list = targets()
        var rows = [["target", "measured", "limit", "met", "detail"]]
        var json: [String] = []
        for t in list {
            rows.append([t.name, String(format: "%.2f", t.value), String(format: "%.2f", t.limit), t.met ? "yes" : "NO", t.detail])
            json.append(Measurement.encode(["target": t.name, "value": t.value, "limit": t.limit, "met": t.met, "detail": t.detail]))
        }
        return (Report.markdown(rows), json)
    }
}
