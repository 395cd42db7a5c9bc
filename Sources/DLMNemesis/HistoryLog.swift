// dlmd — DLMNemesis: the shared append-only history file.

import Foundation
import Glibc

/// An `O_APPEND` file every worker writes one line per record to (each line one `write(2)`, well under
/// PIPE_BUF, so lines never interleave), plus the same records in memory for the checker.
public final class HistoryLog: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let guardLock = NSLock()
    private var highestToken: [String: UInt64] = [:]

    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw NemesisError("cannot open \(path)") }
    }

    deinit { close(fd) }

    /// Appends one record.
    public func append(_ record: HistoryRecord) {
        let bytes = Array((record.line + "\n").utf8)
        guardLock.withLock { _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
    }

    /// The fenced store the workers protect: a write with `token` on `resource` is accepted only when
    /// no higher token wrote there before (what a storage server that honours fencing tokens does).
    public func fencedWrite(_ resource: String, token: UInt64) -> Bool {
        guardLock.withLock {
            let highest = highestToken[resource] ?? 0
            guard token >= highest else { return false }
            highestToken[resource] = token
            return true
        }
    }

    /// Reads the file back and parses it.
    public func read() -> (records: [HistoryRecord], unparsed: Int) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return HistoryRecord.parse(log: text)
    }
}
