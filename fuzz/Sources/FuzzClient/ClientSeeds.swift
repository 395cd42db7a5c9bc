// dlmd fuzz — the seed corpus of the client-protocol fuzzer: valid frames of every request and
// reply type (alone, and a few pipelined), written by `DLM_FUZZ_WRITE_SEEDS=dir FuzzClient`.

import DLMClientProtocol
import DLMCore

enum ClientSeeds {
    static let lvb = Array(UInt8(1)...UInt8(32))

    static let requests: [(String, ClientRequest)] = [
        ("create", .createLockspace(CreateLockspace(flags: [], mode: 0o600, valueBlockLength: 32, name: "test"))),
        ("create-empty", .createLockspace(CreateLockspace(name: ""))),
        ("open", .openLockspace(name: "lockspace-name")),
        ("release", .releaseLockspace(force: 1)),
        ("release-by-name", .releaseByName(force: 0, name: "test")),
        ("lock-ex", .lock(LockCall(mode: 5, name: Array("resource".utf8)))),
        ("lock-nl-bast", .lock(LockCall(mode: 0, flags: [.noQueue], wantsBlockingCallbacks: true, name: [0, 1, 2]))),
        ("lock-lvb", .lock(LockCall(mode: 3, flags: [.valueBlock], name: Array("r".utf8), valueBlock: lvb))),
        ("convert-timeout", .lock(LockCall(mode: 4, flags: [.convert, .timeout], lockID: 0x10001, timeoutCentiseconds: 50, name: []))),
        ("lock-name64", .lock(LockCall(mode: 1, name: Array(repeating: 0x41, count: 64)))),
        ("unlock", .unlock(UnlockCall(lockID: 7))),
        ("unlock-lvb", .unlock(UnlockCall(lockID: 7, flags: [.valueBlock], valueBlock: lvb))),
        ("cancel", .unlock(UnlockCall(lockID: 9, flags: [.cancel]))),
        ("deadlock-cancel", .unlock(UnlockCall(lockID: 9, deadlockCancel: true))),
        ("purge", .purge(nodeID: 0, pid: 1234)),
        ("query-ls", .query(kind: .ls, name: "")),
        ("query-lockdebug", .query(kind: .lockdebug, name: "test")),
        ("query-unknown", .query(kind: QueryKind(rawValue: 99), name: "ü")),
    ]

    static let replies: [(String, DaemonMessage)] = [
        ("result-ok", .result(RequestResult(errno: 0, lockID: 0x10001, outcome: .completionFollows))),
        ("result-error", .result(.failure(.EAGAIN))),
        ("completion-granted", .completion(CompletionCallback(lockID: 3, status: .granted, flags: [], grantedMode: .ex, valueBlock: nil))),
        ("completion-lvb", .completion(CompletionCallback(lockID: 3, status: .granted, flags: [.valueNotValid], grantedMode: .pr, valueBlock: lvb))),
        ("completion-unlock", .completion(CompletionCallback(lockID: 3, status: .unlocked, flags: [], grantedMode: nil, valueBlock: nil))),
        ("completion-cancel", .completion(CompletionCallback(lockID: 3, status: .cancelled, flags: [], grantedMode: .nl, valueBlock: nil))),
        ("blocking", .blocking(lockID: 12, mode: .ex)),
        ("query-text", .queryText(last: false, text: "lockspace test\n")),
        ("query-text-last", .queryText(last: true, text: "")),
    ]

    static func all() -> [(name: String, bytes: [UInt8])] {
        var seeds: [(name: String, bytes: [UInt8])] = []
        for (index, (name, request)) in requests.enumerated() {
            seeds.append(("request-\(name)", RequestFrame(requestID: UInt32(index + 1), message: request).bytes))
        }
        for (name, reply) in replies {
            seeds.append(("reply-\(name)", ReplyFrame(requestID: 5, message: reply).bytes))
        }
        let pipelined = requests.prefix(6).enumerated().flatMap { RequestFrame(requestID: UInt32($0.offset), message: $0.element.1).bytes }
        seeds.append(("request-pipelined", pipelined))
        let callbacks = replies.flatMap { ReplyFrame(requestID: 0, message: $0.1).bytes }
        seeds.append(("reply-pipelined", callbacks))
        return seeds
    }
}
