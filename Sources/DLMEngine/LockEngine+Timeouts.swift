// dlmd — DLMEngine: LKF_TIMEOUT (spec §0: implemented; a new request is removed, a conversion returns
// to its granted mode, completion ETIMEDOUT).

import DLMCore

extension LockEngine {
    /// Expires every LKF_TIMEOUT wait whose deadline is ≤ `now`, earliest first (ties by lock id).
    public mutating func expireTimeouts(now: MonotonicInstant, effects: inout [EngineEffect]) {
        guard !deadlines.isEmpty else { return }
        let due = deadlines.filter { $0.value <= now }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        for (id, _) in due {
            // An earlier expiry in this loop may have granted or freed this lock already.
            guard deadlines[id] != nil, let lock = lock(id), lock.queue != .granted else { continue }
            deadlines[id] = nil
            _ = withdraw(id, status: .timedOut, effects: &effects)
        }
    }
}
