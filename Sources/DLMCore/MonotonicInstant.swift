// dlmd — DLMCore: time as the deterministic core sees it: a value handed in, never read from a clock.

/// A point on a monotonic clock, in nanoseconds since an arbitrary origin. The shells read the clock
/// and pass instants in; the simulator makes them up.
public struct MonotonicInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The origin.
    public static let zero = MonotonicInstant(nanoseconds: 0)

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// This instant moved forward by `duration` (negative durations are clamped to zero).
    public func advanced(by duration: Duration) -> MonotonicInstant {
        let (seconds, attoseconds) = duration.components
        let nanos = max(0, seconds) &* 1_000_000_000 &+ max(0, attoseconds) / 1_000_000_000
        return MonotonicInstant(nanoseconds: nanoseconds &+ UInt64(nanos))
    }

    /// Time from `earlier` to this instant (zero if `earlier` is later).
    public func duration(since earlier: MonotonicInstant) -> Duration {
        guard nanoseconds > earlier.nanoseconds else { return .zero }
        return .nanoseconds(Int64(nanoseconds - earlier.nanoseconds))
    }

    public var description: String { "\(nanoseconds)ns" }
}
