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

    func statusText() -> String {
        var text = "cluster_name \(configuration.clusterName)\n"
        text += "our_nodeid \(configuration.nodeID)\n"
        text += "members \(configuration.nodeID)\n"
        text += "quorate 1\n"
        text += "lockspaces \(lockspaces.count)\n"
        text += "clients \(sessions.count)\n"
        return text
    }

    func lockdebugText(_ lockspace: Lockspace, now: MonotonicInstant) -> String {
        var text = ""
        for name in lockspace.engine.resourceNames().sorted() {
            guard let resource = lockspace.engine.resourceSnapshot(name) else { continue }
            text += "Resource len \(name.bytes.count)  \"\(name)\"\nMaster\n"
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
            let waited = now.duration(since: since).components
            line += " wait \(waited.seconds)s"
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
