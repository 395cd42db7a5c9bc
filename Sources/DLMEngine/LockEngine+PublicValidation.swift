// dlmd — DLMEngine: the state-free argument checks, public for the cluster layer (DLMNode), which must
// refuse a call for a remotely mastered lock with the same errno the engine gives a local one.

import DLMCore

extension LockEngine {
    /// The `dlm_lock` checks that need no lock state (spec §3.1), exactly as `lock(_:now:effects:)`
    /// runs them first.
    /// - Throws: `EINVAL` for an invalid flag combination.
    public static func checkLockArguments(_ request: LockRequest) throws(DLMErrno) {
        try validateLockFlags(request)
    }
}
