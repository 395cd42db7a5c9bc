// dlmd — DLMServer: the readable text answers to QUERY (ls, status, lockdebug, lockdump, dump_config).

import DLMClientProtocol
import DLMCore
import DLMEngine
import DLMNode

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
            case .status: text = statusText(now: now)
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

    /// A lockspace this node hosts for clients or has joined for peers: its name and global id.
    private func existingLockspace(_ rawName: String) throws(DLMErrno) -> (name: LockspaceName, id: UInt32) {
        let name = try LockspaceName(rawName)
        let id = lockspaces[name]?.globalID ?? Lockspace.globalID(of: name)
        guard lockspaces[name] != nil || node.hasJoined(lockspace: id) else { throw .ENOENT }
        return (name, id)
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
        for id in Set(lockspaces.values.map(\.globalID)).union(knownNames.keys) where node.hasJoined(lockspace: id) {
            let counts = node.counts(lockspace: id)
            census.locks += counts.engineLocks
            census.resources += counts.engineResources
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
            let counts = node.counts(lockspace: lockspace.globalID)
            text += "locks         \(counts.clientLocks) resources \(counts.engineResources)"
            text += " orphans \(counts.orphans)\n"
            text += "members       \(membersText)\n\n"
        }
        return text.isEmpty ? "no lockspaces\n" : text
    }

    /// Node, membership, peer links and one line per lockspace: what an operator reads first in an
    /// incident. With dynamic membership: the committed view (generation, `node#incarnation`
    /// members), quorum, nodes waiting for fencing and each lockspace's phase; otherwise the
    /// configured nodes, generation 1.
    func statusText(now: MonotonicInstant) -> String {
        var text = "cluster_name \(configuration.clusterName)\n"
        text += "our_nodeid \(configuration.nodeID)\n"
        let summary = membershipSummary(now: now)
        if let summary {
            text += "members \(summary.members.map { $0.split(separator: "#")[0] }.joined(separator: " "))\n"
            text += "incarnations \(summary.members.joined(separator: " "))\n"
            text += "generation \(summary.generation)\n"
            text += "quorate \(summary.quorate ? 1 : 0)\n"
            text += "state \(summary.state)\n"
            text += "fencing_wait \(summary.awaitingFencing.isEmpty ? "none" : summary.awaitingFencing.joined(separator: " "))\n"
            text += "recoveries \(summary.recoveries)\n"
        } else {
            text += "members \(membersText)\n"
            text += "generation \(node.generation)\n"
            text += "quorate 1\n"
        }
        for peer in configuration.effectiveMembers.sorted() where peer != configuration.nodeID {
            text += "peer \(peer) link \(peerStates[peer] ?? "connecting")\n"
        }
        text += "lockspaces \(lockspaces.count)\n"
        text += "clients \(sessions.count)\n"
        let members = summary.map { $0.members.map { $0.split(separator: "#")[0] }.joined(separator: " ") } ?? membersText
        for lockspace in lockspaces.values.sorted(by: { $0.name < $1.name }) {
            let counts = node.counts(lockspace: lockspace.globalID, queues: true)
            text += "lockspace \(lockspace.name) state \(phaseText(lockspace: lockspace.globalID) ?? "running") members \(members)"
            text += " handles \(lockspace.handles.count) resources \(counts.engineResources)"
            text += " locks \(counts.clientLocks) converting \(counts.converting) waiting \(counts.waiting)"
            text += " orphans \(counts.orphans)\n"
        }
        return text
    }

    /// Resources mastered here with their queues (`Master node N (local)`; lock ids are the holder
    /// node's ids), then this node's locks on resources mastered elsewhere (`Master node N`).
    func lockdebugText(_ lockspace: (name: LockspaceName, id: UInt32), now: MonotonicInstant) -> String {
        var text = ""
        for name in node.masteredResourceNames(lockspace: lockspace.id) {
            guard let resource = node.resourceSnapshot(lockspace: lockspace.id, name: name) else { continue }
            text += "Resource len \(name.bytes.count)  \"\(name)\"\nMaster node \(configuration.nodeID) (local)\n"
            if let block = resource.valueBlock {
                text += "LVB len \(block.count) seq \(resource.valueBlockSequence)"
                text += resource.valueBlockInvalid ? " invalid\n" : "\n"
            }
            for (title, locks) in [("Granted", resource.granted), ("Convert", resource.converting), ("Waiting", resource.waiting)] {
                text += "\(title)\n"
                for lock in locks { text += lockLine(lock, lockspace: lockspace.id, now: now) }
            }
            text += "\n"
        }
        for lock in node.remotelyMasteredLocks(lockspace: lockspace.id) {
            text += "Resource len \(lock.name.bytes.count)  \"\(lock.name)\"\n"
            text += lock.master.map { "Master node \($0)\n" } ?? "Master node unknown (lookup)\n"
            var line = "\(Self.hex(lock.lockID, width: 8)) \(lock.granted.map { $0.description } ?? "--")"
            if let requested = lock.requested { line += " (\(requested))" }
            line += " node \(configuration.nodeID) pid \(lock.owner.pid) remote \(Self.hex(lock.remoteID, width: 8))\n\n"
            text += line
        }
        return text.isEmpty ? "no resources\n" : text
    }

    private func lockLine(_ lock: LockSnapshot, lockspace: UInt32, now: MonotonicInstant) -> String {
        let holder = node.holderOf(lockspace: lockspace, engineLockID: lock.lockID)
        var line = "\(Self.hex(holder?.lockID ?? lock.lockID, width: 8)) \(lock.grantedMode.map { $0.description } ?? "--")"
        if let requested = lock.requestedMode { line += " (\(requested))" }
        line += " node \(holder?.node ?? lock.owner.node) pid \(lock.owner.pid)"
        if let holder, holder.node != configuration.nodeID { line += " remote" }
        if lock.isOrphan { line += " orphan" }
        if let since = lock.waitingSince {
            line += " wait \(Self.milliseconds(now.duration(since: since)))"
        }
        return line + "\n"
    }

    func lockdumpText(_ lockspace: (name: LockspaceName, id: UInt32)) -> String {
        var text = ""
        for name in node.masteredResourceNames(lockspace: lockspace.id) {
            guard let resource = node.resourceSnapshot(lockspace: lockspace.id, name: name) else { continue }
            for lock in resource.granted + resource.converting + resource.waiting {
                let holder = node.holderOf(lockspace: lockspace.id, engineLockID: lock.lockID)
                if let holder, holder.node != configuration.nodeID { continue }  // listed by their holders
                let granted = lock.grantedMode.map { $0.description } ?? "IV"
                let requested = lock.requestedMode.map { $0.description } ?? "IV"
                text += "id \(Self.hex(holder?.lockID ?? lock.lockID, width: 8)) gr \(granted) rq \(requested) pid \(lock.owner.pid)"
                text += " master 0 \"\(name)\"\n"
            }
        }
        for lock in node.remotelyMasteredLocks(lockspace: lockspace.id) {
            let granted = lock.granted.map { $0.description } ?? "IV"
            let requested = lock.requested.map { $0.description } ?? "IV"
            text += "id \(Self.hex(lock.lockID, width: 8)) gr \(granted) rq \(requested) pid \(lock.owner.pid)"
            text += " master \(lock.master ?? 0) \"\(lock.name)\"\n"
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
