// dlmd — DLMCore: invariants that stay on in release builds and say why they failed.

/// Checks an invariant in every build. On failure writes `message` and the state `dump` to standard
/// error and stops the process with `fatalError` (a plain `precondition` prints nothing under `-O`).
/// - Parameters:
///   - condition: what must hold.
///   - message: what broke.
///   - dump: a description of the state around it, evaluated only on failure.
@inlinable
public func invariant(
    _ condition: @autoclosure () -> Bool,
    _ message: @autoclosure () -> String,
    dump: @autoclosure () -> String = "",
    file: StaticString = #fileID,
    line: UInt = #line
) {
    if _slowPath(!condition()) {
        invariantFailed(message(), dump: dump(), file: file, line: line)
    }
}

@usableFromInline
func invariantFailed(_ message: String, dump: String, file: StaticString, line: UInt) -> Never {
    var report = "dlmd invariant violated at \(file):\(line): \(message)\n"
    if !dump.isEmpty { report += dump + "\n" }
    fatalError(report)
}
