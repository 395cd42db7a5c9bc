// Tests the lockspace permission rules without sockets: the pure LockspacePermissions decisions
// (owner/group/other classes, read+write both needed, uid 0 always passes, create privilege), and
// LockspaceService driven directly with made-up SO_PEERCRED identities (EPERM, EACCES, join checks).
// One test also runs a real client as uid 65534 (setpriv + python3) against a 0600 lockspace.

import DLMClientProtocol
import DLMCore
import DLMServer
import Foundation
import Logging
import Testing

private let alice = PeerCredentials(pid: 100, uid: 1000, gid: 1000)
private let bob = PeerCredentials(pid: 200, uid: 1001, gid: 1000)
private let eve = PeerCredentials(pid: 300, uid: 1002, gid: 2000)
private let root = PeerCredentials(pid: 1, uid: 0, gid: 0)

@Suite("lockspace permissions", .timeLimit(.minutes(1)))
struct LockspacePermissionTests {
    @Test("mode bits pick one class and need read and write", arguments: [
        (0o600, alice, true), (0o600, bob, false), (0o600, eve, false), (0o600, root, true),
        (0o660, bob, true), (0o660, eve, false), (0o640, bob, false), (0o606, eve, true),
        (0o066, alice, false),  // the owner class applies to the owner even when others may
        (0o000, root, true),
    ] as [(UInt32, PeerCredentials, Bool)])
    func openDecision(mode: UInt32, client: PeerCredentials, allowed: Bool) {
        #expect(LockspacePermissions.mayOpen(mode: mode, ownerUID: 1000, ownerGID: 1000, client: client) == allowed)
    }

    @Test("create needs uid 0 or a configured uid or gid")
    func createDecision() {
        #expect(LockspacePermissions.mayCreate(client: root, grantedUIDs: [], grantedGIDs: []))
        #expect(!LockspacePermissions.mayCreate(client: alice, grantedUIDs: [], grantedGIDs: []))
        #expect(LockspacePermissions.mayCreate(client: alice, grantedUIDs: [1000], grantedGIDs: []))
        #expect(LockspacePermissions.mayCreate(client: eve, grantedUIDs: [], grantedGIDs: [2000]))
    }

    @Test("the service enforces EPERM on create and EACCES on open and join")
    func serviceDecisions() {
        var service = LockspaceService(configuration: ServiceConfiguration(createUIDs: [1000]), logger: Logger(label: "test"))
        var output: [ServiceOutput] = []
        func result(_ session: UInt64, _ request: ClientRequest) -> Int32 {
            output.removeAll()
            service.handle(session: session, frame: RequestFrame(requestID: 9, message: request), now: .zero, output: &output)
            guard case .send(_, let frame)? = output.first, case .result(let result) = frame.message else { return -1 }
            return result.errno
        }
        service.connect(session: 1, credentials: alice)
        service.connect(session: 2, credentials: bob)
        service.connect(session: 3, credentials: eve)
        service.connect(session: 4, credentials: bob)
        #expect(result(3, .createLockspace(.init(name: "x"))) == DLMErrno.EPERM.rawValue)
        #expect(result(1, .createLockspace(.init(mode: 0o660, name: "x"))) == 0)
        #expect(result(2, .openLockspace(name: "x")) == 0, "same group, 0660")
        #expect(result(3, .openLockspace(name: "x")) == DLMErrno.EACCES.rawValue)
        #expect(result(4, .releaseByName(force: 1, name: "x")) == DLMErrno.EPERM.rawValue)
    }

    @Test("a real client running as uid 65534 gets EACCES on a 0600 lockspace and EPERM on create")
    func otherUserOverSocket() async throws {
        try await withServer { harness in
            _ = try harness.client(joining: "private", mode: 0o600)
            let directory = String(harness.socketPath.dropLast("/dlmd.sock".count))
            #expect(chmod(directory, 0o755) == 0, "let uid 65534 reach the socket")
            let script = """
                import socket, struct, sys
                def frame(t, payload, rid):
                    return struct.pack('<HBBHHII', 0x4C44, 1, 0, t, 0, 16 + len(payload), rid) + payload
                def errno_of(t, payload):
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.settimeout(5)
                    s.connect(sys.argv[1])
                    s.sendall(frame(t, payload, 5))
                    data = b''
                    while len(data) < 25:
                        data += s.recv(64)
                    return struct.unpack('<i', data[16:20])[0]
                name = b'private'
                print(errno_of(2, struct.pack('<H', len(name)) + name),
                      errno_of(1, struct.pack('<IIIH', 0, 0, 0, 3) + b'new'))
                """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, harness.socketPath]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning { process.terminate() }
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "13 1")
        }
    }
}
