// dlmd — DLMServer: LOCK, UNLOCK and PURGE on a session's bound lockspace.

import DLMClientProtocol
import DLMCore
import DLMEngine
import DLMNode

extension LockspaceService {
    /// LOCK: a new request or a conversion. RESULT (with the lock id) first, then the callbacks.
    mutating func lock(
        session: UInt64, requestID: UInt32, call: LockCall, now: MonotonicInstant, output: inout [ServiceOutput]
    ) {
        directives.removeAll(keepingCapacity: true)
        do throws(DLMErrno) {
            let (name, credentials) = try boundLockspace(session)
            let request = try lockRequest(call, session: session, credentials: credentials, in: name)
            let (lockID, outcome) = try node.lock(
                lockspace: lockspaces[name]!.globalID, request, now: now, directives: &directives)
            reply(session, requestID, RequestResult(errno: 0, lockID: lockID, outcome: Self.wire(outcome)), &output)
            performDirectives(&output)
        } catch {
            directives.removeAll(keepingCapacity: true)
            reply(session, requestID, .failure(error), &output)
        }
    }

    /// UNLOCK: unlock, cancel (CANCEL) or deadlock-cancel one of this session's locks.
    mutating func unlock(
        session: UInt64, requestID: UInt32, call: UnlockCall, now: MonotonicInstant, output: inout [ServiceOutput]
    ) {
        directives.removeAll(keepingCapacity: true)
        do throws(DLMErrno) {
            let (name, _) = try boundLockspace(session)
            try checkOwnership(call.lockID, session: session, in: name)
            guard !call.flags.contains(.valueBlock) || call.valueBlock != nil else { throw .EINVAL }
            let block = try valueBlock(call.valueBlock, in: name)
            let id = lockspaces[name]!.globalID
            let outcome: OperationOutcome
            if call.deadlockCancel {
                outcome = try node.deadlockCancel(lockspace: id, lockID: call.lockID, now: now, directives: &directives)
            } else {
                outcome = try node.unlock(
                    lockspace: id, lockID: call.lockID, flags: call.flags, valueBlock: block, now: now,
                    directives: &directives)
            }
            reply(session, requestID, RequestResult(errno: 0, lockID: 0, outcome: Self.wire(outcome)), &output)
            performDirectives(&output)
        } catch {
            directives.removeAll(keepingCapacity: true)
            reply(session, requestID, .failure(error), &output)
        }
    }

    /// PURGE: nodeid 0 or ours with the caller's pid drops this handle's locks; another pid releases
    /// that pid's orphans; pid 0 releases every orphan. Other node ids are EINVAL on a single node.
    mutating func purge(
        session: UInt64, requestID: UInt32, nodeID: UInt32, pid: UInt32, now: MonotonicInstant,
        output: inout [ServiceOutput]
    ) {
        directives.removeAll(keepingCapacity: true)
        do throws(DLMErrno) {
            let (name, credentials) = try boundLockspace(session)
            let id = lockspaces[name]!.globalID
            if nodeID != 0 && nodeID != configuration.nodeID {
                try node.sendPurge(lockspace: id, owner: nodeID, pid: pid, directives: &directives)
            } else if pid == credentials.pid {
                node.purgeHandle(lockspace: id, handle: session, now: now, directives: &directives)
            } else {
                node.purgeOrphans(lockspace: id, pid: pid, now: now, directives: &directives)
            }
            reply(session, requestID, RequestResult(errno: 0, lockID: 0, outcome: .noCompletion), &output)
            performDirectives(&output)
        } catch {
            directives.removeAll(keepingCapacity: true)
            reply(session, requestID, .failure(error), &output)
        }
    }

    // MARK: - Validation

    private func boundLockspace(_ session: UInt64) throws(DLMErrno) -> (LockspaceName, PeerCredentials) {
        guard let state = sessions[session], let name = state.lockspace, lockspaces[name] != nil else {
            throw .EINVAL
        }
        return (name, state.credentials)
    }

    private func lockRequest(
        _ call: LockCall, session: UInt64, credentials: PeerCredentials, in name: LockspaceName
    ) throws(DLMErrno) -> LockRequest {
        guard let mode = call.lockMode else { throw .EINVAL }
        let resource = try ResourceName(bytes: call.name)
        let flags = call.flags.subtracting(.wait)
        guard !flags.contains(.valueBlock) || call.valueBlock != nil else { throw .EINVAL }
        if flags.contains(.convert) {
            try checkOwnership(call.lockID, session: session, in: name)
        } else {
            // The per-handle count walks the lockspace's locks, so only when the node's total could reach the cap.
            let id = lockspaces[name]!.globalID
            let cap = configuration.locksPerClientMax
            if node.clientLockCount(lockspace: id) >= cap, node.lockCount(lockspace: id, ownedBy: session) >= cap {
                throw .ENOMEM
            }
        }
        let owner = LockOwner(node: configuration.nodeID, pid: credentials.pid, handle: session)
        return LockRequest(
            owner: owner, name: resource, mode: mode, flags: flags, lockID: call.lockID,
            valueBlock: try valueBlock(call.valueBlock, in: name), wantsBlockingCallbacks: call.wantsBlockingCallbacks,
            timeoutCentiseconds: call.timeoutCentiseconds)
    }

    /// A lock id names a lock of this handle; anything else (another client's lock, a dead id) is ENOENT.
    private func checkOwnership(_ lockID: LockID, session: UInt64, in name: LockspaceName) throws(DLMErrno) {
        guard let owner = node.lockOwner(lockspace: lockspaces[name]!.globalID, lockID: lockID), owner.handle == session else {
            throw .ENOENT
        }
    }

    /// The caller's LVB, which must be exactly the lockspace's LVB length.
    private func valueBlock(_ bytes: [UInt8]?, in name: LockspaceName) throws(DLMErrno) -> ValueBlock? {
        guard let bytes else { return nil }
        let length = lockspaces[name]!.valueBlockLength
        guard bytes.count == length else { throw .EINVAL }
        return ValueBlock(bytes: bytes, length: length)
    }

    static func wire(_ outcome: OperationOutcome) -> ResultOutcome {
        switch outcome {
        case .completionFollows: return .completionFollows
        case .noCompletion: return .noCompletion
        }
    }
}
