// dlmd — DLMDaemon: re-reads the configuration file on SIGHUP and applies what can change live.

import DLMCore
import DLMServer
import Logging

/// Reloads the configuration without dropping any lock. A file that cannot be read, parsed or
/// resolved leaves everything as it was and logs an error; settings that need a restart are logged as
/// a warning and not applied (see `ConfigurationChange`). Command-line overrides keep winning.
public actor ConfigReloader {
    private let path: String?
    private let overrides: DaemonConfiguration.Overrides
    private let server: DLMServer
    private let logLevel: LogLevelControl?
    private let logger: Logger
    /// The configuration in force.
    public private(set) var current: DaemonConfiguration

    /// - Parameters:
    ///   - path: the configuration file read at start (nil: none; a reload then only logs).
    ///   - overrides: the command-line settings, re-applied over every reload.
    ///   - current: the configuration the daemon started with.
    ///   - server: where privileges and new lockspaces go.
    ///   - logLevel: the shared level the daemon's log handlers read (nil: level changes are not applied).
    ///   - logger: the daemon's logger.
    public init(
        path: String?, overrides: DaemonConfiguration.Overrides, current: DaemonConfiguration, server: DLMServer,
        logLevel: LogLevelControl?, logger: Logger
    ) {
        self.path = path
        self.overrides = overrides
        self.current = current
        self.server = server
        self.logLevel = logLevel
        self.logger = logger
    }

    /// Reads the file again and applies the live changes.
    /// - Returns: what changed, or nil when the new file was rejected (the old configuration stays).
    @discardableResult
    public func reload() async -> ConfigurationChange? {
        guard let path else {
            logger.warning("reload requested but dlmd was started without a configuration file")
            return nil
        }
        let reloaded: DaemonConfiguration
        do {
            reloaded = try DaemonConfiguration.resolve(file: try DLMDaemon.loadConfigFile(path: path), overrides: overrides)
        } catch {
            logger.error(
                "reload failed; keeping the current configuration",
                metadata: ["dlm.config": "\(path)", "dlm.error": "\(error)"])
            return nil
        }
        let change = ConfigurationChange(current: current, reloaded: reloaded)
        await apply(change)
        return change
    }

    private func apply(_ change: ConfigurationChange) async {
        var applied = change.applied
        logLevel?.level = applied.logLevel
        for entry in change.addedLockspaces {
            do {
                try await server.createConfiguredLockspace(
                    name: entry.name, mode: entry.mode, valueBlockLength: entry.valueBlockLength)
                logger.notice("lockspace created by reload", metadata: ["dlm.lockspace": "\(entry.name)"])
            } catch {
                applied.lockspaces.removeAll { $0.name == entry.name }
                logger.error(
                    "reload could not create lockspace",
                    metadata: ["dlm.lockspace": "\(entry.name)", "dlm.error": "\(error)"])
            }
        }
        try? await server.reconfigure(applied.serviceConfiguration())
        current = applied
        if !change.needsRestart.isEmpty {
            logger.warning(
                "reload ignored settings that need a restart",
                metadata: ["dlm.settings": "\(change.needsRestart.joined(separator: ", "))"])
        }
        logger.notice(
            "configuration reloaded",
            metadata: [
                "dlm.applied": "\(change.appliedSettings.joined(separator: ","))",
                "dlm.lockspaces.added": "\(change.addedLockspaces.map(\.name).joined(separator: ","))",
                "dlm.log_level": "\(applied.logLevel)",
            ])
    }
}
