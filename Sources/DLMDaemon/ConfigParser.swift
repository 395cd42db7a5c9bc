// dlmd — DLMDaemon: the dlm.conf-style configuration parser.

import DLMCore

/// Parses configuration text in dlm.conf conventions:
///
/// * `#` starts a comment line; empty lines are ignored; lines are at most 256 characters;
/// * `name=value` sets an option (the name ends at `=`, a space or a tab);
/// * `node id=N addr=A port=P [weight=W]` declares a member;
/// * `lockspace NAME [nodir=1] [lvblen=N] [mode=0660]` declares a lockspace created at start, and the
///   `master NAME node=N [weight=W]` lines right after it name its preferred masters;
/// * `fence_all AGENT [ARGS…]` names the fencing agent for every node; `device NAME AGENT [ARGS…]`
///   and `connect NAME node=N [ARGS…]` name one node's agent (they win over `fence_all`).
///
/// Errors are `ConfigError`s that say `line N: message`.
public enum ConfigParser {
    /// Longest line accepted (dlm.conf's limit).
    public static let lineCharactersMax = 256

    /// Names accepted as `name=value` settings.
    public static let knownSettings: Set<String> = [
        "cluster_name", "our_nodeid", "socket", "log_level", "create_uid", "create_gid", "tcp_port", "key_file",
        "heartbeat_interval_ms", "node_timeout_ms", "recover_timeout_ms", "metrics_listen", "heartbeat_interval",
        "failure_timeout", "enable_fencing", "two_node", "fence_timeout",
    ]

    /// - Returns: the parsed file.
    /// - Throws: `ConfigError` for the first bad line.
    public static func parse(_ text: String) throws(ConfigError) -> ConfigFile {
        var file = ConfigFile()
        var openLockspace: Int?  // index into file.lockspaces accepting master lines
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            guard rawLine.count <= lineCharactersMax else {
                throw ConfigError(line: number, "line longer than \(lineCharactersMax) characters")
            }
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") {
                openLockspace = nil
                continue
            }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let keyword = words[0]
            if keyword != "master" { openLockspace = nil }
            switch keyword {
            case "node":
                file.nodes.append(try parseNode(words, line: number, existing: file.nodes))
            case "lockspace":
                file.lockspaces.append(try parseLockspace(words, line: number, existing: file.lockspaces))
                openLockspace = file.lockspaces.count - 1
            case "master":
                guard let index = openLockspace, words.count >= 2, words[1] == file.lockspaces[index].name else {
                    throw ConfigError(line: number, "master line does not follow its lockspace line")
                }
                file.lockspaces[index].masters.append(try parseMaster(words, line: number))
                openLockspace = index
            case "fence_all":
                guard words.count >= 2 else { throw ConfigError(line: number, "fence_all needs an agent") }
                guard file.fenceAll == nil else { throw ConfigError(line: number, "fence_all given twice") }
                file.fenceAll = FenceAgent(agent: words[1], arguments: Array(words.dropFirst(2)))
            case "device":
                guard words.count >= 3 else { throw ConfigError(line: number, "device needs a name and an agent") }
                guard file.devices[words[1]] == nil else { throw ConfigError(line: number, "device \(words[1]) given twice") }
                file.devices[words[1]] = FenceAgent(agent: words[2], arguments: Array(words.dropFirst(3)))
            case "connect":
                try parseConnect(words, line: number, into: &file)
            case "unfence", "unfence_all":
                throw ConfigError(line: number, "\(keyword) lines are not supported")
            default:
                try parseSetting(String(line), line: number, into: &file)
            }
        }
        return file
    }

    // MARK: - Line kinds

    private static func parseSetting(_ line: String, line number: Int, into file: inout ConfigFile) throws(ConfigError) {
        guard let equals = line.firstIndex(of: "=") else {
            throw ConfigError(line: number, "expected name=value or a node, lockspace, master or fence_all line")
        }
        let name = String(line[..<equals]).trimmingWhitespace()
        let value = String(line[line.index(after: equals)...]).trimmingWhitespace()
        guard knownSettings.contains(name) else { throw ConfigError(line: number, "unknown setting '\(name)'") }
        guard !value.isEmpty else { throw ConfigError(line: number, "setting '\(name)' has no value") }
        if let earlier = file.settings[name] {
            throw ConfigError(line: number, "setting '\(name)' already given on line \(earlier.line)")
        }
        file.settings[name] = ConfigSetting(value: value, line: number)
    }

    /// `connect NAME node=N [key=value…]`: the device must be declared above.
    private static func parseConnect(_ words: [String], line: Int, into file: inout ConfigFile) throws(ConfigError) {
        guard words.count >= 3, file.devices[words[1]] != nil else {
            throw ConfigError(line: line, "connect needs a device declared above and node=N")
        }
        guard let nodeWord = words.dropFirst(2).first(where: { $0.hasPrefix("node=") }) else {
            throw ConfigError(line: line, "connect line needs node=N")
        }
        let node = try number(String(nodeWord.dropFirst(5)), "node", line: line, range: 1...UInt32.max)
        guard file.connects[node] == nil else { throw ConfigError(line: line, "node \(node) has two connect lines") }
        file.connects[node] = FenceAgent(agent: words[1], arguments: words.dropFirst(2).filter { $0 != nodeWord })
    }

    private static func parseNode(_ words: [String], line: Int, existing: [NodeEntry]) throws(ConfigError) -> NodeEntry {
        let pairs = try keyValues(words.dropFirst(), line: line, allowed: ["id", "addr", "port", "weight"])
        guard let idText = pairs["id"], let addr = pairs["addr"], let portText = pairs["port"] else {
            throw ConfigError(line: line, "node line needs id=, addr= and port=")
        }
        let id = try number(idText, "id", line: line, range: 1...UInt32.max)
        guard !existing.contains(where: { $0.id == id }) else { throw ConfigError(line: line, "node id \(id) given twice") }
        let port = try number(portText, "port", line: line, range: 1...65535)
        let weight = try pairs["weight"].map { (text) throws(ConfigError) in try number(text, "weight", line: line, range: 0...1000) } ?? 1
        return NodeEntry(id: id, address: addr, port: UInt16(port), weight: weight, line: line)
    }

    private static func parseLockspace(
        _ words: [String], line: Int, existing: [LockspaceEntry]
    ) throws(ConfigError) -> LockspaceEntry {
        guard words.count >= 2, !words[1].contains("=") else { throw ConfigError(line: line, "lockspace line needs a name") }
        let name = words[1]
        guard (try? LockspaceName(name)) != nil else { throw ConfigError(line: line, "lockspace name must be 1...64 bytes") }
        guard !existing.contains(where: { $0.name == name }) else {
            throw ConfigError(line: line, "lockspace \(name) given twice")
        }
        let pairs = try keyValues(words.dropFirst(2), line: line, allowed: ["nodir", "lvblen", "mode"])
        var entry = LockspaceEntry(name: name, line: line)
        if let nodir = pairs["nodir"] { entry.noDirectory = try number(nodir, "nodir", line: line, range: 0...1) == 1 }
        if let lvblen = pairs["lvblen"] {
            let length = try number(lvblen, "lvblen", line: line, range: 8...UInt32(Limits.valueBlockBytesMax))
            guard length % 8 == 0 else { throw ConfigError(line: line, "lvblen must be a multiple of 8") }
            entry.valueBlockLength = Int(length)
        }
        if let mode = pairs["mode"] {
            guard let bits = UInt32(mode, radix: 8), bits <= 0o777 else {
                throw ConfigError(line: line, "mode must be octal permission bits such as 0660")
            }
            entry.mode = bits
        }
        return entry
    }

    private static func parseMaster(_ words: [String], line: Int) throws(ConfigError) -> MasterEntry {
        let pairs = try keyValues(words.dropFirst(2), line: line, allowed: ["node", "weight"])
        guard let node = pairs["node"] else { throw ConfigError(line: line, "master line needs node=") }
        let id = try number(node, "node", line: line, range: 1...UInt32.max)
        let weight = try pairs["weight"].map { (text) throws(ConfigError) in try number(text, "weight", line: line, range: 0...1000) } ?? 1
        return MasterEntry(node: id, weight: weight)
    }

    // MARK: - Fields

    private static func keyValues(
        _ words: ArraySlice<String>, line: Int, allowed: Set<String>
    ) throws(ConfigError) -> [String: String] {
        var pairs: [String: String] = [:]
        for word in words {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else { throw ConfigError(line: line, "expected key=value, found '\(word)'") }
            guard allowed.contains(parts[0]) else { throw ConfigError(line: line, "unknown key '\(parts[0])'") }
            guard pairs[parts[0]] == nil else { throw ConfigError(line: line, "key '\(parts[0])' given twice") }
            pairs[parts[0]] = parts[1]
        }
        return pairs
    }

    static func number(_ text: String, _ name: String, line: Int?, range: ClosedRange<UInt32>) throws(ConfigError) -> UInt32 {
        guard let value = UInt32(text), range.contains(value) else {
            throw ConfigError(line: line, "\(name) must be a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
