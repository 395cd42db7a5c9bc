// Tests the client library's recovery notifications against a scripted fake daemon (FakeDaemon on a
// socketpair): the first use sends RECOVERY_EVENTS once; RECOVERY_EVENT frames run the installed
// RecoveryHandler callbacks in order from dispatch(), in order with lock callbacks; events that
// follow the RESULT at once reach a stream created by the same call (no race with the callback
// thread); every stream gets every event and finishes when the daemon hangs up or the handle closes;
// a frame that arrives before any subscription is ignored; a refused subscription is thrown.

import DLMClientProtocol
import Foundation
import Glibc
import Testing
@testable import DLM

@Suite(.timeLimit(.minutes(1))) struct RecoveryEventsFakeDaemonTests {
    static let members = [RecoveryMemberSlot(node: 1, slot: 1), RecoveryMemberSlot(node: 2, slot: 2)]
    static let events: [Frame<DaemonMessage>] = [
        Frame(requestID: 0, message: .recoveryEvent(.prep)),
        Frame(requestID: 0, message: .recoveryEvent(.slot(node: 3, slot: 3))),
        Frame(requestID: 0, message: .recoveryEvent(.done(generation: 7, ourSlot: 1, members: members))),
    ]
    static let expected: [RecoveryEvent] = [
        .prep, .slot(node: 3, slot: 3),
        .done(generation: 7, ourSlot: 1, members: [RecoveryMember(node: 1, slot: 1), RecoveryMember(node: 2, slot: 2)]),
    ]

    /// A fake that answers RECOVERY_EVENTS with RESULT followed at once by prep, slot, done.
    static func eventDaemon() -> FakeDaemon {
        FakeDaemon { request, _ in
            guard case .recoveryEvents(enable: true) = request.message else { return [.result(request.requestID, errno: 22)] }
            return [.result(request.requestID, outcome: .noCompletion)] + events
        }
    }

    @Test func handlerCallbacksRunInOrderFromDispatch() throws {
        let fake = Self.eventDaemon()
        let ls = fake.makeLockspace()
        let log = CallLog()
        try ls.setRecoveryHandler(
            RecoveryHandler(
                recoverPrep: { log.append("prep") },
                recoverSlot: { node, slot in log.append("slot \(node) \(slot)") },
                recoverDone: { members, ourSlot, generation in
                    log.append("done \(members.map { "\($0.node):\($0.slot)" }) \(ourSlot) \(generation)")
                }))
        #expect(log.all.isEmpty, "callbacks run in dispatch(), not inside the subscribing call")
        try ls.dispatch()
        #expect(log.all == ["prep", "slot 3 3", "done [\"1:1\", \"2:2\"] 1 7"])
        _ = try ls.recoveryEvents()
        try ls.setRecoveryHandler(nil)
        let subscriptions = fake.requests.filter { $0.message == .recoveryEvents(enable: true) }
        #expect(subscriptions.count == 1, "only the first use subscribes")
        ls.close()
    }

    @Test func streamsCreatedByTheSubscribingCallSeeEveryEventAndFinishOnHangUp() async throws {
        let fake = Self.eventDaemon()
        let ls = fake.makeLockspace()
        try ls.startCallbackThread()
        var first = try ls.recoveryEvents().makeAsyncIterator()
        var seen: [RecoveryEvent] = []
        for _ in Self.expected { if let event = await first.next() { seen.append(event) } }
        #expect(seen == Self.expected)
        let second = try ls.recoveryEvents()
        fake.send(Self.events)
        fake.hangUp()
        var later: [RecoveryEvent] = []
        for await event in second { later.append(event) }
        #expect(later == Self.expected, "a later stream sees later events, then finishes when the daemon goes away")
        var afterwards: [RecoveryEvent] = []
        while let event = await first.next() { afterwards.append(event) }
        #expect(afterwards == Self.expected, "the first stream got them too, and finished")
        ls.close()
    }

    @Test func closingTheHandleFinishesStreamsAndLaterCallsFail() async throws {
        let fake = Self.eventDaemon()
        let ls = fake.makeLockspace()
        let stream = try ls.recoveryEvents()
        ls.close()
        var count = 0
        for await _ in stream { count += 1 }
        #expect(count == 0, "undelivered events are dropped with the handle")
        #expect(throws: DLMErrno.ENOTCONN) { try ls.recoveryEvents() }
    }

    @Test func eventsBeforeSubscribingAreIgnoredAndRefusalIsThrown() throws {
        let fake = FakeDaemon { request, _ in [.result(request.requestID, errno: 22, outcome: .noCompletion)] }
        let ls = fake.makeLockspace()
        let log = CallLog()
        fake.send(Self.events)
        #expect(eventually { isReadable(ls.fileDescriptor) })
        try ls.dispatch()
        #expect(!isReadable(ls.fileDescriptor), "read and dropped: nobody subscribed")
        #expect(throws: DLMErrno.EINVAL) {
            try ls.setRecoveryHandler(RecoveryHandler(recoverPrep: { log.append("prep") }))
        }
        fake.send(Self.events)
        try ls.dispatch()
        #expect(log.all.isEmpty)
        ls.close()
    }
}
