// dlmd — DLMSimulation: the whole-cluster checks: directory and master views after every step, and
// the quiescent state at the end (nothing pending, nothing left, every table empty).

import DLMCore
import DLMNode

extension SimulationWorld {
    /// A node that masters a resource with locks must be the one its directory node records.
    mutating func checkMasteryViews() {
        for index in nodes.indices { checkMasteryViews(of: index) }
    }

    /// The check above for the resources node `index` masters.
    mutating func checkMasteryViews(of index: Int) {
        guard !options.noDirectory, alive[index], nodes[index].isRunning else { return }
        let node = nodes[index]
        guard let view = node.inspect(lockspace: lockspace) else { return }
        for (name, active) in view.mastered where active {
            guard let directoryNode = node.directoryNode(lockspace: lockspace, name: name) else { continue }
            let directory = nodes[Int(directoryNode) - 1]
            guard alive[Int(directoryNode) - 1], directory.isRunning, directory.generation == node.generation else { continue }
            let record = nodes[Int(directoryNode) - 1].directoryRecord(lockspace: lockspace, name: name)
            if record != NodeID(index + 1) {
                checker.fail("node \(index + 1) masters \(name) but directory node \(directoryNode) records \(String(describing: record))")
            }
        }
    }

    /// After the queue ran dry: every request completed, every lock and record is gone.
    mutating func finalChecks() {
        for node in nodes { node.checkInvariants() }
        checker.checkQuiescent()
        for (index, client) in clients.enumerated() where !client.locks.isEmpty {
            checker.fail("client \(index) still has \(client.locks.count) locks")
        }
        let views = Set(agents.enumerated().filter { alive[$0.offset] }.map(\.element.view))
        if options.faults && views.count != 1 { checker.fail("views disagree at the end: \(views)") }
        for (index, node) in nodes.enumerated() {
            guard alive[index] else { continue }
            guard let view = node.inspect(lockspace: lockspace) else { continue }
            if view.lockCount != 0 || view.engineLockCount != 0 {
                checker.fail("node \(index + 1) keeps \(view.lockCount) locks, engine \(view.engineLockCount)")
            }
            if !view.mastered.isEmpty || view.directoryCount != 0 || view.cachedMasters != 0 {
                checker.fail("node \(index + 1) keeps mastered \(view.mastered.count) directory \(view.directoryCount) cached \(view.cachedMasters)")
            }
        }
    }
}
