// dlmd — DLMDaemon: the systemd notification protocol (sd_notify) and watchdog settings, via libsystemd.

import CSystemd

/// Sends state changes to the service manager over `$NOTIFY_SOCKET` (`READY=1`, `STATUS=…`,
/// `WATCHDOG=1`, `STOPPING=1`). Without `NOTIFY_SOCKET` (not started by systemd) every call is a
/// no-op, so the daemon calls it unconditionally.
public enum SystemdNotifier {
    /// Sends one or more newline-separated `KEY=VALUE` assignments.
    /// - Returns: true when a service manager was notified.
    @discardableResult
    public static func notify(_ assignments: String) -> Bool {
        sd_notify(0, assignments) > 0
    }

    /// The watchdog period systemd expects pings within (`WATCHDOG_USEC`, honoured only when
    /// `WATCHDOG_PID` is unset or names this process), or nil when the watchdog is off.
    public static func watchdogPeriod() -> Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(clamping: microseconds))
    }
}
