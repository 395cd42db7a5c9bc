// dlmd — DLMServer: the readable text answers to QUERY (ls, status, lockdebug, lockdump, dump_config).

import DLMClientProtocol
import DLMCore
import DLMEngine

extension LockspaceService {
    /// QUERY: answers with QUERY_TEXT chunks, or RESULT with an errno (EINVAL unknown kind, ENOENT no lockspace).
    mutating func query(
        session: UInt64, requestID: UInt32, kind: QueryKind, name: String, now: MonotonicInstant,
        output: inout [ServiceOutput]
    ) {
        let text: String
        do throws(DLMErrno) {
            switch kind {
            case .ls: text = lsText()
            case .status: text = statusText()
            case .lockdebug: text = lockdebugText(try existingLockspace(name), now: now)
            case .lockdump: text = lockdumpText(try existingLockspace(name))
            case .dumpConfig: text = configuration.configurationText
            default: throw .EINVAL
            }
        } catch {
            reply(session, requestID, .failure(error), &output)
            return
        }
        let pieces = Self.chunks(of: text)
        for (index, piece) in pieces.enumerated() {
            let message = DaemonMessage.queryText(last: index == pieces.count - 1, text: piece)
            output.append(.send(session: session, frame: ReplyFrame(requestID: requestID, message: message)))
        }
    }

    private func existingLockspace(_ rawName: String) throws(DLMErrno) -> Lockspace {
        guard let lockspace = lockspaces[try LockspaceName(rawName)] else { throw .ENOENT }
        return lockspace
    }

    /// Totals across every lockspace, for metrics and the daemon's status line.
    public struct Census: Sendable, Equatable {
        public var lockspaces: Int
        public var locks: Int
        public var resources: Int
        public var sessions: Int
    }

    /// Counts lockspaces, locks, resources and connected sessions.
    public func census() -> Census {
        var census = Census(lockspaces: lockspaces.count, locks: 0, resources: 0, sessions: sessions.count)
        for lockspace in lockspaces.values {
            census.locks += lockspace.engine.lockCount
            census.resources += lockspace.engine.resourceCount
        }
        return census
    }

    // MARK: - Reports

    func lsText() -> String {
        var text = ""
        for lockspace in lockspaces.values.sorted(by: { $0.name < $1.name }) {
            text += "name          \(lockspace.name)\n"
            text += "id            0x\(Self.hex(lockspace.globalID, width: 8))\n"
            text += "flags         0x\(Self.hex(lockspace.flags.rawValue, width: 8))\n"
            text += "mode          0\(String(lockspace.mode, radix: 8)) uid \(lockspace.ownerUID) gid \(lockspace.ownerGID)\n"
            text += "lvblen        \(lockspace.valueBlockLength)\n"
            text += "create_count  \(lockspace.createCount) handles \(lockspace.handles.count)\n"
            text += "locks         \(lockspace.engine.lockCount) resources \(lockspace.engine.resourceCount)"
            text += " orphans \(lockspace.engine.orphanCount)\n"
            text += "members       \(configuration.nodeID)\n\n"
        }
        return text.isEmpty ? "no lockspaces\n" : text
    }

    /// Node, membership and one line per lockspace: what an operator reads first in an incident.
    /// A single node is always its own quorate membership, generation 1.
    func statusText() -> String {
        var text = "cluster_name \(configuration.clusterName)\n"
        text += "our_nodeid \(configuration.nodeID)\n"
        text += "members \(configuration.nodeID)\n"
        text += "generation 1\n"
        text += "quorate 1\n"
        text += "lockspaces \(lockspaces.count)\n"
        text += "clients \(sessions.count)\n"
        for lockspace in lockspaces.values.sorted(by: { $0.name < $1.name }) {
            var waiting = 0
            var converting = 0
            for name in lockspace.engine.resourceNames() {
                guard let resource = lockspace.engine.resourceSnapshot(name) else { continue }
                waiting += resource.waiting.count
                converting += resource.converting.count
            }
            text += "lockspace \(lockspace.name) state running members \(configuration.nodeID)"
            text += " handles \(lockspace.handles.count) resources \(lockspace.engine.resourceCount)"
            text += " locks \(lockspace.engine.lockCount) converting \(converting) waiting \(waiting)"
            text += " orphans \(lockspace.engine.orphanCount)\n"
        }
        return text
    }

    func lockdebugText(_ lockspace: Lockspace, now: MonotonicInstant) -> String {
        var text = ""
        for name in lockspace.engine.resourceNames().sorted() {
            guard let resource = lockspace.engine.resourceSnapshot(name) else { continue }
            text += "Resource len \(name.bytes.count)  \"\(name)\"\nMaster node \(configuration.nodeID) (local)\n"
            if let block = resource.valueBlock {
                text += "LVB len \(block.count) seq \(resource.valueBlockSequence)"
                text += resource.valueBlockInvalid ? " invalid\n" : "\n"
            }
            for (title, locks) in [("Granted", resource.granted), ("Convert", resource.converting), ("Waiting", resource.waiting)] {
                text += "\(title)\n"
                for lock in locks { text += lockLine(lock, now: now) }
            }
            text += "\n"
        }
        return text.isEmpty ? "no resources\n" : text
    }

    private func lockLine(_ lock: LockSnapshot, now: MonotonicInstant) -> String {
        var line = "\(Self.hex(lock.lockID, width: 8)) \(lock.grantedMode.map { $0.description } ?? "--")"
        if let requested = lock.requestedMode { line += " (\(requested))" }
        line += " node \(lock.owner.node) pid \(lock.owner.pid)"
        if lock.isOrphan { line += " orphan" }
        if let since = lock.waitingSince {
            line += " wait \(Self.milliseconds(now.duration(since: since)))"
        }
        return line + "\n"
    }

    func lockdumpText(_ lockspace: Lockspace) -> String {
        var text = ""
        for name in lockspace.engine.resourceNames().sorted() {
            guard let resource = lockspace.engine.resourceSnapshot(name) else { continue }
            for lock in resource.granted + resource.converting + resource.waiting {
                let granted = lock.grantedMode.map { $0.description } ?? "IV"
                let requested = lock.requestedMode.map { $0.description } ?? "IV"
                text += "id \(Self.hex(lock.lockID, width: 8)) gr \(granted) rq \(requested) pid \(lock.owner.pid)"
                text += " master 0 \"\(name)\"\n"
            }
        }
        return text
    }

    // MARK: - Formatting

    /// A duration as seconds with millisecond resolution: `1.234s`.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let millis = max(0, seconds) * 1000 + max(0, attoseconds) / 1_000_000_000_000_000
        let fraction = String(millis % 1000)
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)s"
    }

    static func hex<T: BinaryInteger>(_ value: T, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Splits text into pieces of at most `ClientProtocol.queryTextChunkBytesMax` UTF-8 bytes,
    /// never inside a character's encoding. Always at least one piece (possibly empty).
    static func chunks(of text: String) -> [String] {
        let bytes = Array(text.utf8)
        var pieces: [String] = []
        var start = 0
        repeat {
            var end = min(bytes.count, start + ClientProtocol.queryTextChunkBytesMax)
            while end < bytes.count, end > start, bytes[end] & 0xC0 == 0x80 { end -= 1 }
            pieces.append(String(decoding: bytes[start..<end], as: UTF8.self))
            start = end
        } while start < bytes.count
        return pieces
    }
}
