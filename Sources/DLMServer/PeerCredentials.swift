// dlmd — DLMServer: who is on the other end of a client connection, and what they may do.

/// The identity of a connected client as the kernel reports it (`SO_PEERCRED`); never taken from a frame.
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    /// Process id.
    public var pid: UInt32
    /// Effective user id.
    public var uid: UInt32
    /// Effective group id.
    public var gid: UInt32

    public init(pid: UInt32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }
}

/// Permission decisions for lockspaces, as for a device node (spec §7.4): no I/O, unit-testable.
public enum LockspacePermissions {
    /// Read and write bits of one permission class (owner, group or other).
    static let readWrite: UInt32 = 0o6

    /// Whether a client may open (use) a lockspace whose permission bits are `mode`, owned by
    /// `ownerUID`/`ownerGID`. The class is chosen like the kernel does for files: owner if the uid
    /// matches, else group if the gid matches, else other; that class needs both read and write.
    /// uid 0 always passes.
    /// - Returns: true when access is granted.
    public static func mayOpen(mode: UInt32, ownerUID: UInt32, ownerGID: UInt32, client: PeerCredentials) -> Bool {
        if client.uid == 0 { return true }
        let bits: UInt32
        if client.uid == ownerUID {
            bits = (mode >> 6) & 0o7
        } else if client.gid == ownerGID {
            bits = (mode >> 3) & 0o7
        } else {
            bits = mode & 0o7
        }
        return bits & readWrite == readWrite
    }

    /// Whether a client may create or remove lockspaces: uid 0, or a uid or gid the configuration grants.
    public static func mayCreate(client: PeerCredentials, grantedUIDs: Set<UInt32>, grantedGIDs: Set<UInt32>) -> Bool {
        client.uid == 0 || grantedUIDs.contains(client.uid) || grantedGIDs.contains(client.gid)
    }
}
