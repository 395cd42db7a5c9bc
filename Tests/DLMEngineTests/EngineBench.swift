// Test helper (no tests here): drives one LockEngine with named lock holders ("A", "B", ...) and
// renders its effects and queues as short strings, so scenario tests read like the spec's edge cases.
//
// Effects render as "A ast 0 PR", "B ast EAGAIN", "B ast 0 EX +DEMOTED", "A bast EX".
// Resource state renders (and `setUp` parses) the DSL "granted A:PR B:PR | convert C:PR>EX | wait D:EX";
// granted locks are listed by name, the convert and wait queues in queue order; empty sections are left out.

import DLMCore
import Testing
@testable import DLMEngine

struct EngineBench {
    var engine = LockEngine()
    var now = MonotonicInstant.zero
    /// Current lock id of each holder name.
    var ids: [String: LockID] = [:]
    /// Holder name of each live lock id.
    var names: [LockID: String] = [:]
    /// Effects of the calls since the last `take()`, rendered.
    var log: [String] = []
    /// Raw effects of the calls since the last `take()`.
    var raw: [EngineEffect] = []

    static func name(_ text: String) -> ResourceName { try! ResourceName(text) }

    /// Each holder name is its own client handle (its bytes as a number: A = 65), pid 1000 + handle, node 1.
    static func owner(_ who: String) -> LockOwner {
        let handle = who.utf8.reduce(UInt64(0)) { $0 &* 256 &+ UInt64($1) }
        return LockOwner(node: 1, pid: 1000 + UInt32(truncatingIfNeeded: handle % 1_000_000), handle: handle)
    }

    static func lvb(_ byte: UInt8) -> ValueBlock { ValueBlock(bytes: [byte], length: Limits.valueBlockBytesDefault) }

    // MARK: - Calls

    @discardableResult
    mutating func request(
        _ who: String, _ mode: LockMode, _ flags: LockFlags = [], resource: String = "R", lvb: ValueBlock? = nil,
        bast: Bool = true, timeout: UInt32 = 0
    ) throws(DLMErrno) -> LockID {
        let block = lvb ?? (flags.contains(.valueBlock) ? ValueBlock(zeroed: 32) : nil)
        let request = LockRequest(
            owner: Self.owner(who), name: Self.name(resource), mode: mode, flags: flags, valueBlock: block,
            wantsBlockingCallbacks: bast, timeoutCentiseconds: timeout)
        var effects: [EngineEffect] = []
        let (id, outcome) = try engine.lock(request, now: now, effects: &effects)
        if flags.contains(.orphan) { #expect(outcome == .noCompletion) } else { #expect(outcome == .completionFollows) }
        ids[who] = id
        names[id] = who
        record(effects)
        return id
    }

    mutating func convert(
        _ who: String, _ mode: LockMode, _ flags: LockFlags = [], lvb: ValueBlock? = nil, bast: Bool = true,
        timeout: UInt32 = 0
    ) throws(DLMErrno) {
        let block = lvb ?? (flags.contains(.valueBlock) ? ValueBlock(zeroed: 32) : nil)
        let request = LockRequest(
            owner: Self.owner(who), name: Self.name("ignored"), mode: mode, flags: flags.union(.convert),
            lockID: ids[who] ?? 999_999, valueBlock: block, wantsBlockingCallbacks: bast, timeoutCentiseconds: timeout)
        var effects: [EngineEffect] = []
        let (_, outcome) = try engine.lock(request, now: now, effects: &effects)
        #expect(outcome == .completionFollows)
        record(effects)
    }

    @discardableResult
    mutating func unlock(_ who: String, _ flags: LockFlags = [], lvb: ValueBlock? = nil) throws(DLMErrno) -> OperationOutcome {
        var effects: [EngineEffect] = []
        let outcome = try engine.unlock(lockID: ids[who] ?? 999_999, flags: flags, valueBlock: lvb, now: now, effects: &effects)
        record(effects)
        return outcome
    }

    @discardableResult
    mutating func cancel(_ who: String) throws(DLMErrno) -> OperationOutcome {
        try unlock(who, .cancel)
    }

    mutating func close(_ who: String) {
        var effects: [EngineEffect] = []
        engine.closeHandle(Self.owner(who).handle, now: now, effects: &effects)
        record(effects)
    }

    mutating func advance(centiseconds: UInt64) {
        now = MonotonicInstant(nanoseconds: now.nanoseconds + centiseconds * 10_000_000)
        var effects: [EngineEffect] = []
        engine.expireTimeouts(now: now, effects: &effects)
        record(effects)
    }

    mutating func record(_ effects: [EngineEffect]) {
        engine.checkInvariants()
        raw += effects
        log += effects.map(render)
    }

    /// The rendered effects since the last call, and forgets them.
    mutating func take() -> [String] {
        defer { log = []; raw = [] }
        return log
    }

    /// The completions since the last `take()` (not consumed).
    var completions: [Completion] {
        raw.compactMap { if case .completion(let c) = $0 { return c } else { return nil } }
    }

    func render(_ effect: EngineEffect) -> String {
        switch effect {
        case .completion(let c):
            var text = "\(names[c.lockID] ?? "#\(c.lockID)") ast \(c.status)"
            if c.status == .granted || c.grantedMode != nil, let mode = c.grantedMode { text += " \(mode)" }
            if c.flags.contains(.demoted) { text += " +DEMOTED" }
            if c.flags.contains(.alternateMode) { text += " +ALTMODE" }
            if c.flags.contains(.valueNotValid) { text += " +VALNOTVALID" }
            return text
        case .blocking(let b):
            return "\(names[b.lockID] ?? "#\(b.lockID)") bast \(b.mode)"
        }
    }

    // MARK: - State DSL

    func state(_ resource: String = "R") -> String {
        guard let snapshot = engine.resourceSnapshot(Self.name(resource)) else { return "" }
        func label(_ lock: LockSnapshot) -> String { names[lock.lockID] ?? "#\(lock.lockID)" }
        var sections: [String] = []
        let granted = snapshot.granted.map { "\(label($0)):\($0.grantedMode!)" }.sorted()
        if !granted.isEmpty { sections.append((["granted"] + granted).joined(separator: " ")) }
        let converting = snapshot.converting.map { "\(label($0)):\($0.grantedMode!)>\($0.requestedMode!)" }
        if !converting.isEmpty { sections.append((["convert"] + converting).joined(separator: " ")) }
        let waiting = snapshot.waiting.map { "\(label($0)):\($0.requestedMode!)" }
        if !waiting.isEmpty { sections.append((["wait"] + waiting).joined(separator: " ")) }
        return sections.joined(separator: " | ")
    }

    /// Builds `dsl` on resource R with plain calls (granted, then converting, then waiting locks) and
    /// checks that the engine ends up exactly there. Effects of the set-up are discarded.
    mutating func setUp(_ dsl: String) throws(DLMErrno) {
        var converts: [(String, LockMode, LockMode)] = []
        for section in dsl.split(separator: "|") {
            let words = section.split(separator: " ").map(String.init)
            guard let kind = words.first else { continue }
            for word in words.dropFirst() {
                let parts = word.split(separator: ":").map(String.init)
                let modes = parts[1].split(separator: ">").map { LockMode(name: String($0))! }
                switch kind {
                case "granted": try request(parts[0], modes[0])
                case "convert":
                    try request(parts[0], modes[0])
                    converts.append((parts[0], modes[0], modes[1]))
                default: try request(parts[0], modes[0])
                }
            }
            if kind == "convert" { for (who, _, to) in converts { try convert(who, to) } }
        }
        #expect(state() == dsl, "set-up did not produce the described state")
        _ = take()
    }
}
