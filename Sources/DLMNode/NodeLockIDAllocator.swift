// dlmd — DLMNode: the node's lock ids (`sb_lkid`), one space for locally and remotely mastered locks.

import DLMCore
import DLMEngine

/// Hands out ids ≥ 1, lowest free id first (spec §2.7): the engine's min-heap allocator, so
/// allocation and release cost O(log freed) — closing a handle that holds 10^5 locks releases its
/// ids in one linear-logarithmic pass (a sorted array here made that quadratic: seconds of stall).
typealias NodeLockIDAllocator = LockIDAllocator
