// Tests systemd/dlmd.service with the real `systemd-analyze verify` (systemd 252 here; it runs in
// this container without a running systemd). The unit is verified as installed: ExecStart rewritten
// to the built dlmd binary (as `make install` rewrites it to $(PREFIX)/sbin/dlmd) and MANPATH
// pointing at man/ so the Documentation= man pages resolve. The verifier must then print nothing
// about dlmd.service and exit 0. A copy with a misspelt key must make it complain, proving the check
// is live. The unit's stop policy (no SIGKILL, no stop timeout) and notify settings are asserted.

import Foundation
import Testing

@Suite("systemd unit", .timeLimit(.minutes(1)))
struct SystemdUnitTests {
    private static let unitPath = repositoryRoot.appendingPathComponent("systemd/dlmd.service").path

    /// Runs `systemd-analyze verify` on `unitText` saved as dlmd.service; returns (status, output).
    private func verify(_ unitText: String) throws -> (Int32, String) {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/dlmd.service"
        try unitText.write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        process.arguments = ["verify", path]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["MANPATH": repositoryRoot.appendingPathComponent("man").path, "SYSTEMD_LOG_COLOR": "0"]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    private func installedUnit() throws -> String {
        try String(contentsOfFile: Self.unitPath, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/sbin/dlmd", with: try dlmdBinary())
    }

    @Test("systemd-analyze verify accepts the unit as installed")
    func verifies() throws {
        let (status, output) = try verify(try installedUnit())
        let ours = output.split(separator: "\n").filter { $0.contains("dlmd.service") || $0.contains("Unknown key") }
        #expect(ours.isEmpty, "verifier complaints:\n\(output)")
        #expect(status == 0, "\(output)")
    }

    @Test("systemd-analyze verify catches a misspelt key (the check is live)")
    func catchesMistakes() throws {
        let broken = try installedUnit().replacingOccurrences(of: "SendSIGKILL=no", with: "SendSIGKIL=no")
        let (_, output) = try verify(broken)
        #expect(output.contains("Unknown key 'SendSIGKIL' in section [Service]"), "\(output)")
    }

    @Test("notify type, watchdog, reload and a stop that never SIGKILLs")
    func policy() throws {
        let lines = Set(try String(contentsOfFile: Self.unitPath, encoding: .utf8).split(separator: "\n").map(String.init))
        for expected in [
            "Type=notify", "NotifyAccess=main", "SendSIGKILL=no", "TimeoutStopSec=infinity", "KillSignal=SIGTERM",
            "RuntimeDirectory=dlmd", "ExecReload=/bin/kill -HUP $MAINPID", "WatchdogSec=30s",
        ] {
            #expect(lines.contains(expected), "missing \(expected)")
        }
    }
}
