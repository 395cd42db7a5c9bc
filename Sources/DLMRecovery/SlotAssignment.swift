// dlmd — DLMRecovery: lockspace member slots (spec §10.2 step 4, §10.8): 1-based, stable for a
// member's lifetime; a new member takes the lowest free slot.

import DLMCore

/// Computes the slot table of a new view from every member's report of its current slot. Every
/// member computes it from the same reports (exchanged during recovery), so all agree without a
/// coordinator.
public enum SlotAssignment {
    /// `reports`: each member's current slot, 0 = none (a new member). A member keeps its slot
    /// (when two claim the same one, the lower node id keeps it); the others get the lowest free
    /// slots ≥ 1 in node-id order.
    public static func assign(reports: [NodeID: UInt16]) -> [NodeID: UInt16] {
        var table: [NodeID: UInt16] = [:]
        var taken: Set<UInt16> = []
        var unassigned: [NodeID] = []
        for node in reports.keys.sorted() {
            let slot = reports[node]!
            if slot != 0 && taken.insert(slot).inserted {
                table[node] = slot
            } else {
                unassigned.append(node)
            }
        }
        var candidate: UInt16 = 1
        for node in unassigned {
            while taken.contains(candidate) { candidate += 1 }
            table[node] = candidate
            taken.insert(candidate)
        }
        return table
    }
}
