// dlmd — DLM client: what a completion means for the lock's life on the client side.

import DLMClientProtocol
import DLMCore

extension CompletionCallback {
    /// Whether the lock id is dead after this completion (spec §4.2): an unlock, or a failed or
    /// cancelled operation that left no granted mode. Later unlocks of the id get ENOENT.
    var endsLock: Bool {
        status == .unlocked || (status != .granted && grantedMode == nil)
    }
}
