// dlmd — DLMTransport: reconnect delays: exponential, capped, with seeded jitter.

import DLMCore

/// The delay before reconnect attempt `n` (0 = first retry): `min(max, initial · 2ⁿ)`, scaled by a
/// random factor in [0.5, 1] ("equal jitter"), so peers that lost each other at the same moment do not
/// redial in lockstep. The delay never exceeds `delayMax` and never drops below half of the
/// un-jittered value.
public struct ReconnectBackoff: Sendable {
    /// Delay of the first retry, before jitter.
    public let delayInitial: Duration
    /// Largest delay, before jitter.
    public let delayMax: Duration
    private var random: SplitMix64

    /// - Parameters:
    ///   - delayInitial: delay of the first retry (> 0).
    ///   - delayMax: cap (≥ `delayInitial`).
    ///   - seed: jitter seed.
    public init(delayInitial: Duration, delayMax: Duration, seed: UInt64) {
        precondition(delayInitial > .zero && delayMax >= delayInitial, "backoff bounds must be positive and ordered")
        self.delayInitial = delayInitial
        self.delayMax = delayMax
        random = SplitMix64(seed: seed)
    }

    /// The un-jittered delay of attempt `attempt`.
    public func ceiling(attempt: Int) -> Duration {
        let initial = Self.nanoseconds(delayInitial)
        let cap = Self.nanoseconds(delayMax)
        let shift = min(max(attempt, 0), 40)
        let (scaled, overflow) = initial.multipliedReportingOverflow(by: Int64(1) << shift)
        return .nanoseconds(overflow ? cap : min(cap, scaled))
    }

    /// The jittered delay of attempt `attempt`; advances the jitter generator.
    public mutating func delay(attempt: Int) -> Duration {
        let ceiling = Self.nanoseconds(ceiling(attempt: attempt))
        let half = ceiling / 2
        let jitter = half > 0 ? Int64.random(in: 0...half, using: &random) : 0
        return .nanoseconds(ceiling - half + jitter)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
