// dlmd — DLMDaemon: a log level shared by every copy of the daemon's logger, changeable at reload.

import Logging
import Synchronization

/// The daemon's current log level. Every `ControlledLogHandler` reads it on each log call, so a
/// reload that sets it takes effect for all loggers at once, on any thread.
public final class LogLevelControl: Sendable {
    private let storage: Mutex<Logger.Level>

    /// - Parameter level: the level at start.
    public init(_ level: Logger.Level) {
        storage = Mutex(level)
    }

    /// The level in force.
    public var level: Logger.Level {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

/// A `LogHandler` that writes through `inner` and takes its level from a shared `LogLevelControl`.
public struct ControlledLogHandler: LogHandler {
    private var inner: any LogHandler
    private let control: LogLevelControl

    /// - Parameters:
    ///   - inner: the handler that formats and writes (its own level is bypassed).
    ///   - control: the shared level.
    public init(inner: any LogHandler, control: LogLevelControl) {
        var inner = inner
        inner.logLevel = .trace
        self.inner = inner
        self.control = control
    }

    public var logLevel: Logger.Level {
        get { control.level }
        set { control.level = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        inner.log(event: event)
    }
}
