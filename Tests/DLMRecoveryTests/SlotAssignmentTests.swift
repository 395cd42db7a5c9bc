// dlmd — DLMRecoveryTests: slot assignment (spec §10.8): 1-based, survivors keep their slots, new
// members take the lowest free ones, conflicting claims go to the lower node id.

import DLMCore
import DLMRecovery
import Testing

@Suite struct SlotAssignmentTests {
    @Test func firstViewNumbersMembersInNodeOrder() {
        #expect(SlotAssignment.assign(reports: [3: 0, 1: 0, 7: 0]) == [1: 1, 3: 2, 7: 3])
    }

    @Test func survivorsKeepTheirSlotsAndNewMembersTakeTheLowestFree() {
        // Node 2 (slot 2) failed; node 4 joins; node 2 restarts as a new member.
        let table = SlotAssignment.assign(reports: [1: 1, 3: 3, 4: 0, 2: 0])
        #expect(table == [1: 1, 3: 3, 2: 2, 4: 4])
    }

    @Test func conflictingClaimsGoToTheLowerNode() {
        let table = SlotAssignment.assign(reports: [5: 2, 6: 2, 7: 1])
        #expect(table == [5: 2, 7: 1, 6: 3])
    }
}
