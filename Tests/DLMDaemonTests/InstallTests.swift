// Tests mk/service.mk by running `make -f mk/service.mk install-service` into a temporary DESTDIR
// with PREFIX=/usr and the built binaries, then checking every installed file (binaries executable,
// unit with ExecStart rewritten to /usr/sbin/dlmd, the example config, the three man pages), and
// that `uninstall-service` removes them all again. The man pages are also checked with groff's
// warnings enabled (no output means well-formed roff).

import Foundation
import Testing

@Suite("install", .timeLimit(.minutes(1)))
struct InstallTests {
    private func make(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/make")
        process.arguments = ["-s", "-C", repositoryRoot.path, "-f", "mk/service.mk"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test("install-service then uninstall-service with PREFIX and DESTDIR")
    func installAndUninstall() throws {
        let stage = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: stage) }
        let binDir = URL(fileURLWithPath: try dlmdBinary()).deletingLastPathComponent().path
        let variables = ["DESTDIR=\(stage)", "PREFIX=/usr", "BIN_DIR=\(binDir)"]
        let (status, output) = try make(["install-service"] + variables)
        #expect(status == 0, "\(output)")

        let files = [
            "/usr/sbin/dlmd", "/usr/bin/dlm_tool", "/usr/lib/systemd/system/dlmd.service",
            "/etc/dlmd/dlmd.conf.example", "/usr/share/man/man8/dlmd.8", "/usr/share/man/man8/dlm_tool.8",
            "/usr/share/man/man5/dlmd.conf.5",
        ]
        for file in files { #expect(FileManager.default.fileExists(atPath: stage + file), "\(file) installed") }
        #expect(FileManager.default.isExecutableFile(atPath: stage + "/usr/sbin/dlmd"))
        #expect(FileManager.default.isExecutableFile(atPath: stage + "/usr/bin/dlm_tool"))
        let unit = try String(contentsOfFile: stage + "/usr/lib/systemd/system/dlmd.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/sbin/dlmd --foreground"))
        #expect(!unit.contains("/usr/local"))
        let example = try String(contentsOfFile: stage + "/etc/dlmd/dlmd.conf.example", encoding: .utf8)
        #expect(example == (try String(contentsOf: repositoryRoot.appendingPathComponent("config/dlmd.conf"), encoding: .utf8)))

        let (removed, removeOutput) = try make(["uninstall-service"] + variables)
        #expect(removed == 0, "\(removeOutput)")
        for file in files { #expect(!FileManager.default.fileExists(atPath: stage + file), "\(file) removed") }
    }

    @Test("man pages are well-formed roff", arguments: ["man8/dlmd.8", "man8/dlm_tool.8", "man5/dlmd.conf.5"])
    func manPage(page: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/groff")
        process.arguments = ["-man", "-ww", "-z", repositoryRoot.appendingPathComponent("man/\(page)").path]
        let output = Pipe()
        process.standardError = output
        try process.run()
        let warnings = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(warnings.isEmpty, "\(warnings)")
    }
}
