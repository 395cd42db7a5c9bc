// Tests the reconnect backoff as a pure value: delays double from the initial value up to the cap,
// every jittered delay lies in [ceiling/2, ceiling], and the same seed gives the same schedule while
// another seed gives a different one.

import Testing

@testable import DLMTransport

@Suite struct ReconnectBackoffTests {
    @Test func ceilingDoublesUpToTheCap() {
        let backoff = ReconnectBackoff(delayInitial: .milliseconds(100), delayMax: .seconds(5), seed: 1)
        #expect(backoff.ceiling(attempt: 0) == .milliseconds(100))
        #expect(backoff.ceiling(attempt: 1) == .milliseconds(200))
        #expect(backoff.ceiling(attempt: 5) == .milliseconds(3200))
        #expect(backoff.ceiling(attempt: 6) == .seconds(5))
        #expect(backoff.ceiling(attempt: 1000) == .seconds(5))
    }

    @Test func jitteredDelaysStayWithinBoundsAndFollowTheSeed() {
        var first = ReconnectBackoff(delayInitial: .milliseconds(10), delayMax: .seconds(1), seed: 42)
        var second = ReconnectBackoff(delayInitial: .milliseconds(10), delayMax: .seconds(1), seed: 42)
        var other = ReconnectBackoff(delayInitial: .milliseconds(10), delayMax: .seconds(1), seed: 43)
        var a: [Duration] = []
        var c: [Duration] = []
        for attempt in 0..<200 {
            let delay = first.delay(attempt: attempt)
            let ceiling = first.ceiling(attempt: attempt)
            #expect(delay <= ceiling && delay >= ceiling / 2, "attempt \(attempt): \(delay)")
            #expect(second.delay(attempt: attempt) == delay)
            a.append(delay)
            c.append(other.delay(attempt: attempt))
        }
        #expect(a != c)
    }
}
