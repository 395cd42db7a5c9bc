// dlmd — DLM client: a pthread mutex with a condition variable (no Foundation, no thread hops).

import Glibc

/// A mutex paired with a condition variable. Used for the connection state shared by the callers of
/// synchronous calls, `dispatch()` and the callback thread. Not reentrant.
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    /// Takes the mutex only if it is free (also false when this thread already holds it).
    func tryLock() -> Bool { pthread_mutex_trylock(mutex) == 0 }

    /// Waits for a broadcast; the mutex must be held and is held again on return.
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Wakes every waiter.
    func broadcast() { pthread_cond_broadcast(condition) }

    /// Runs `body` with the mutex held.
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
