// dlmd — DLMCore: the one seeded random generator of the project (simulation schedules, reconnect jitter).

/// SplitMix64 (Steele, Lea, Flood): a tiny, fast, seedable generator. The same seed always gives the
/// same sequence, so a failing simulated schedule is replayed with `dlm-sim --seed N` and a reconnect
/// schedule is reproducible in tests. Never use the system generator on paths the simulator runs.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `percent`/100.
    public mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
}
