// dlmd — the executable: parses arguments, loads the configuration, sets up logging, runs DLMDaemon.

import ArgumentParser
import DLMDaemon
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `dlmd`: the distributed lock manager daemon.
@main
struct DLMDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlmd",
        abstract: "The dlmd distributed lock manager daemon.",
        discussion: "Settings come from the command line, then the configuration file, then defaults.")

    /// Default configuration file, read when it exists and --config is not given.
    static let defaultConfigPath = "/etc/dlmd/dlmd.conf"

    @Option(name: .long, help: "Configuration file (dlm.conf syntax). Default: \(defaultConfigPath) if present.")
    var config: String?

    @Flag(name: .long, help: "Stay in the foreground (dlmd always does; accepted for compatibility).")
    var foreground = false

    @Option(name: .long, help: "Unix socket path clients connect to.")
    var socket: String?

    @Option(name: .customLong("node-id"), help: "This node's id.")
    var nodeID: UInt32?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Flag(name: .customLong("print-config"), help: "Print the effective configuration and exit.")
    var printConfig = false

    func run() async throws {
        let configuration: DaemonConfiguration
        let overrides: DaemonConfiguration.Overrides
        do {
            overrides = try commandLineOverrides()
            configuration = try effectiveConfiguration(overrides)
        } catch {
            var standardError = StandardError()
            print("dlmd: \(error)", to: &standardError)
            throw ExitCode.failure
        }
        if printConfig {
            print(configuration.dumpText(), terminator: "")
            return
        }
        let level = LogLevelControl(configuration.logLevel)
        LoggingSystem.bootstrap { label in
            ControlledLogHandler(inner: StreamLogHandler.standardError(label: label), control: level)
        }
        let logger = Logger(label: "dlmd")
        try await DLMDaemon.run(
            configuration: configuration, logger: logger, configPath: configPath, overrides: overrides, logLevel: level)
    }

    /// The file read at start: --config, else the default file when it is readable.
    private var configPath: String? {
        config ?? (access(Self.defaultConfigPath, R_OK) == 0 ? Self.defaultConfigPath : nil)
    }

    private func commandLineOverrides() throws -> DaemonConfiguration.Overrides {
        var overrides = DaemonConfiguration.Overrides(socketPath: socket, nodeID: nodeID)
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel) else {
                throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical")
            }
            overrides.logLevel = level
        }
        if let nodeID, nodeID == 0 { throw ValidationError("--node-id must be at least 1") }
        return overrides
    }

    private func effectiveConfiguration(_ overrides: DaemonConfiguration.Overrides) throws -> DaemonConfiguration {
        var file = ConfigFile()
        if let path = configPath {
            do {
                file = try DLMDaemon.loadConfigFile(path: path)
            } catch {
                throw ConfigFileError(path: path, error: error)
            }
        }
        return try DaemonConfiguration.resolve(file: file, overrides: overrides)
    }
}

/// A configuration error with the file it came from: `PATH: line N: message`.
struct ConfigFileError: Error, CustomStringConvertible {
    let path: String
    let error: ConfigError
    var description: String { "\(path): \(error)" }
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { fputs(string, stderr) }
}
