// dlmd — DLMServer: the socket file on disk: stale-file detection, permissions, removal.

#if canImport(Glibc)
import Glibc
#endif

/// Filesystem chores around the listening socket. Plain POSIX calls, used before binding and after closing.
enum SocketFile {
    /// Creates the parent directory if needed and removes a stale socket file; throws when a daemon answers.
    static func prepare(path: String) throws {
        guard path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw DLMServerError.pathTooLong(path)
        }
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !parent.isEmpty { mkdir(parent, 0o755) }
        guard access(path, F_OK) == 0 else { return }
        if isLive(path: path) { throw DLMServerError.alreadyRunning(path) }
        unlink(path)
    }

    /// Lets any local user connect; lockspace permissions are checked per request.
    static func allowEveryone(path: String) {
        chmod(path, 0o666)
    }

    static func remove(path: String) {
        unlink(path)
    }

    /// Whether something accepts connections on `path`.
    private static func isLive(path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}
