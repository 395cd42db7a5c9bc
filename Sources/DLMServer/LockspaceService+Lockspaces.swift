// dlmd — DLMServer: create, open and release of lockspaces (spec §7 with dlmd's §0 decisions).

import DLMClientProtocol
import DLMCore
import DLMEngine

extension LockspaceService {
    /// CREATE_LOCKSPACE: join (one more create reference) or create, then bind the session.
    mutating func createLockspace(session: UInt64, state: Session, create: CreateLockspace) -> RequestResult {
        do throws(DLMErrno) {
            guard state.lockspace == nil else { throw .EINVAL }
            let name = try LockspaceName(create.name)
            guard create.flags.rawValue & LockspaceFlags.reservedSoftIRQ.rawValue == 0,
                LockspaceFlags.accepted.isSuperset(of: create.flags)
            else { throw .EINVAL }
            let length = try Self.validValueBlockLength(create.valueBlockLength)
            guard mayCreate(state.credentials) else { throw .EPERM }
            if var existing = lockspaces[name] {
                guard !create.flags.contains(.newExclusive) else { throw .EEXIST }
                guard mayOpen(existing, state.credentials) else { throw .EACCES }
                existing.createCount += 1
                lockspaces[name] = existing
            } else {
                guard lockspaces.count < Limits.lockspacesMax else { throw .ENOMEM }
                let mode = create.mode == 0 ? 0o600 : create.mode & 0o777
                let flags = create.flags.subtracting([.newExclusive, .timeWarn])
                try joinNode(name, valueBlockLength: length, noDirectory: create.flags.contains(.noDirectory))
                lockspaces[name] = Lockspace(
                    name: name, flags: flags, mode: mode, owner: state.credentials, valueBlockLength: length)
                logger.debug("lockspace created", metadata: ["dlm.lockspace": "\(name)", "dlm.client.pid": "\(state.credentials.pid)"])
            }
            bind(session, to: name)
            return RequestResult()
        } catch {
            return .failure(error)
        }
    }

    /// OPEN_LOCKSPACE: bind the session to an existing lockspace the client may use.
    mutating func openLockspace(session: UInt64, state: Session, name rawName: String) -> RequestResult {
        do throws(DLMErrno) {
            guard state.lockspace == nil else { throw .EINVAL }
            let name = try LockspaceName(rawName)
            guard let lockspace = lockspaces[name] else { throw .ENOENT }
            guard mayOpen(lockspace, state.credentials) else { throw .EACCES }
            bind(session, to: name)
            return RequestResult()
        } catch {
            return .failure(error)
        }
    }

    /// RELEASE_LOCKSPACE: close this handle, drop a create reference, and close the connection.
    mutating func releaseLockspace(
        session: UInt64, requestID: UInt32, force: UInt32, now: MonotonicInstant, output: inout [ServiceOutput]
    ) {
        guard let name = sessions[session]?.lockspace, lockspaces[name] != nil else {
            reply(session, requestID, .failure(.EINVAL), &output)
            return
        }
        closeHandle(session, in: name, now: now, output: &output)
        lockspaces[name]!.handles.remove(session)
        sessions[session]?.lockspace = nil
        let result =
            mayCreate(sessions[session]!.credentials)
            ? dropCreateReference(name, force: force, now: now, output: &output) : .failure(.EPERM)
        reply(session, requestID, result, &output)
        output.append(.close(session: session))
    }

    /// RELEASE_BY_NAME: an unbound (administrative) connection drops a create reference.
    mutating func releaseByName(
        session: UInt64, requestID: UInt32, force: UInt32, name rawName: String, now: MonotonicInstant,
        output: inout [ServiceOutput]
    ) {
        let result: RequestResult
        do throws(DLMErrno) {
            guard let state = sessions[session], state.lockspace == nil else { throw .EINVAL }
            let name = try LockspaceName(rawName)
            guard mayCreate(state.credentials) else { throw .EPERM }
            guard lockspaces[name] != nil else { throw .ENOENT }
            result = dropCreateReference(name, force: force, now: now, output: &output)
        } catch {
            result = .failure(error)
        }
        reply(session, requestID, result, &output)
    }

    /// Drops one create reference; the last one removes the lockspace unless it is busy and `force` is 0.
    /// Other sessions bound to a removed lockspace are closed.
    private mutating func dropCreateReference(
        _ name: LockspaceName, force: UInt32, now: MonotonicInstant, output: inout [ServiceOutput]
    ) -> RequestResult {
        guard let releaser = lockspaces[name] else { return .failure(.ENOENT) }
        if releaser.createCount > 1 {
            lockspaces[name]!.createCount -= 1
            return RequestResult()
        }
        if force == 0, isBusy(releaser) { return .failure(.EBUSY) }
        guard let removed = lockspaces.removeValue(forKey: name) else { return .failure(.ENOENT) }
        let locks = node.counts(lockspace: removed.globalID).clientLocks
        for handle in removed.handles.sorted() {
            sessions[handle]?.lockspace = nil
            directives.removeAll(keepingCapacity: true)
            node.closeHandle(lockspace: removed.globalID, handle: handle, now: now, directives: &directives)
            performDirectives(&output)
            output.append(.close(session: handle))
        }
        // A lone node forgets the lock state; a cluster member keeps it joined, as peers may hold
        // locks it masters or directs (static membership, docs/cluster.md).
        if isSingleNode { node.leaveLockspace(removed.globalID) }
        logger.debug("lockspace removed", metadata: ["dlm.lockspace": "\(name)", "dlm.locks": "\(locks)"])
        return RequestResult()
    }

    private mutating func bind(_ session: UInt64, to name: LockspaceName) {
        sessions[session]?.lockspace = name
        lockspaces[name]!.handles.insert(session)
    }

    func mayCreate(_ credentials: PeerCredentials) -> Bool {
        LockspacePermissions.mayCreate(
            client: credentials, grantedUIDs: configuration.createUIDs, grantedGIDs: configuration.createGIDs)
    }

    func mayOpen(_ lockspace: Lockspace, _ credentials: PeerCredentials) -> Bool {
        LockspacePermissions.mayOpen(
            mode: lockspace.mode, ownerUID: lockspace.ownerUID, ownerGID: lockspace.ownerGID, client: credentials)
    }
}
