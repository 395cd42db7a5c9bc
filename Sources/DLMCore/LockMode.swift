// dlmd — DLMCore: lock modes, their compatibility, conversion classes and the LVB direction table.

/// The six lock modes of the DLM, with the numeric values libdlm and the kernel use.
///
/// Numeric order NL < CR < CW < PR < PW < EX is used for "highest requested mode" and blocking-callback
/// bookkeeping, but PR and CW are not ordered by strength: each is incompatible with the other, so a
/// PR↔CW conversion is a *middle* conversion (neither up nor down).
public enum LockMode: Int8, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// Null: holds a place (and a cached master) and grants nothing.
    case nl = 0
    /// Concurrent read.
    case cr = 1
    /// Concurrent write.
    case cw = 2
    /// Protected read (shared).
    case pr = 3
    /// Protected write (update; CR readers allowed).
    case pw = 4
    /// Exclusive.
    case ex = 5

    /// Creates a mode from a wire or API integer; `nil` when outside 0...5 (the caller reports EINVAL).
    public init?(value: Int) {
        guard let mode = LockMode(rawValue: Int8(truncatingIfNeeded: value)), Int(mode.rawValue) == value else { return nil }
        self = mode
    }

    public static func < (lhs: LockMode, rhs: LockMode) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .nl: return "NL"
        case .cr: return "CR"
        case .cw: return "CW"
        case .pr: return "PR"
        case .pw: return "PW"
        case .ex: return "EX"
        }
    }

    /// Parses "NL", "cr", "EX" ... (case-insensitive), as the CLI and test DSL write modes.
    public init?(name: String) {
        guard let mode = LockMode.allCases.first(where: { $0.description == name.uppercased() }) else { return nil }
        self = mode
    }

    // Row = held mode, column = wanted mode (spec §1.2). Symmetric.
    private static let compatibility: [[Bool]] = [
        //        NL     CR     CW     PR     PW     EX
        /*NL*/ [true, true, true, true, true, true],
        /*CR*/ [true, true, true, true, true, false],
        /*CW*/ [true, true, true, false, false, false],
        /*PR*/ [true, true, false, true, false, false],
        /*PW*/ [true, true, false, false, false, false],
        /*EX*/ [true, false, false, false, false, false],
    ]

    /// Whether a lock granted in `self` may coexist with a lock granted in `other` (spec §1.2).
    @inlinable
    public func isCompatible(with other: LockMode) -> Bool {
        LockMode.compatibilityBits[Int(rawValue)] & (1 << UInt8(other.rawValue)) != 0
    }

    /// The compatibility matrix as one bit mask per held mode, for the hot path.
    @usableFromInline
    static let compatibilityBits: [UInt8] = compatibility.map { row in
        row.enumerated().reduce(UInt8(0)) { $0 | ($1.element ? UInt8(1) << UInt8($1.offset) : 0) }
    }

    /// A PR↔CW conversion: neither up nor down (spec §1.3).
    public static func isMiddleConversion(from granted: LockMode, to requested: LockMode) -> Bool {
        (granted == .pr && requested == .cw) || (granted == .cw && requested == .pr)
    }

    /// A down-conversion is always grantable at once (spec §1.3).
    public static func isDownConversion(from granted: LockMode, to requested: LockMode) -> Bool {
        requested < granted && !isMiddleConversion(from: granted, to: requested)
    }

    // Spec §1.5: conversions that may use QUECVT (the ones that could ever wait).
    private static let quecvtValid: [[Bool]] = [
        //        NL     CR     CW     PR     PW     EX
        /*NL*/ [false, true, true, true, true, true],
        /*CR*/ [false, false, true, true, true, true],
        /*CW*/ [false, false, false, true, true, true],
        /*PR*/ [false, false, true, false, true, true],
        /*PW*/ [false, false, false, false, false, true],
        /*EX*/ [false, false, false, false, false, false],
    ]

    /// Whether `QUECVT` is valid for a conversion from `granted` to `requested` (spec §1.5); others are EINVAL.
    public static func isQueueConvertValid(from granted: LockMode, to requested: LockMode) -> Bool {
        quecvtValid[Int(granted.rawValue)][Int(requested.rawValue)]
    }
}

/// What the LVB step of a grant does (spec §1.4).
public enum LVBOperation: Sendable, Equatable {
    /// Resource LVB is copied to the lock (read).
    case read
    /// The lock's LVB is written to the resource.
    case write
    /// Nothing is copied.
    case none

    // Row = granted mode before (nil = new request), column = requested mode.
    private static let table: [[LVBOperation]] = [
        /*NL*/ [.read, .read, .read, .read, .read, .read],
        /*CR*/ [.none, .read, .read, .read, .read, .read],
        /*CW*/ [.none, .none, .read, .read, .read, .read],
        /*PR*/ [.none, .none, .none, .read, .read, .read],
        /*PW*/ [.write, .write, .write, .write, .write, .read],
        /*EX*/ [.write, .write, .write, .write, .write, .write],
    ]

    /// The LVB step for a grant from `granted` (nil for a new request) to `requested`.
    public static func forGrant(from granted: LockMode?, to requested: LockMode) -> LVBOperation {
        guard let granted else { return .read }
        return table[Int(granted.rawValue)][Int(requested.rawValue)]
    }
}
