// dlmd — DLM client: where the daemon's socket is.

import Glibc

/// Resolves the path of dlmd's Unix socket.
///
/// The `DLMD_SOCKET` environment variable wins; otherwise `/run/dlmd/dlmd.sock`, where the packaged
/// service listens. Every call that opens a connection also takes an explicit path that overrides both.
public enum DLMSocketPath {
    /// The socket of the packaged service.
    public static let defaultPath = "/run/dlmd/dlmd.sock"
    /// The environment variable read before falling back to `defaultPath`.
    public static let environmentVariable = "DLMD_SOCKET"

    /// The path to connect to: `explicit` if given, else `$DLMD_SOCKET` if set and non-empty, else `defaultPath`.
    /// - Parameter explicit: a path chosen by the caller (for example `dlm_tool --socket`).
    /// - Returns: the socket path.
    public static func resolve(_ explicit: String? = nil) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let value = getenv(environmentVariable) {
            let path = String(cString: value)
            if !path.isEmpty { return path }
        }
        return defaultPath
    }
}
