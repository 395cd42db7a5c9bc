// dlmd — DLMSimulation: network partitions. A symmetric partition cuts every link between a
// minority and the rest in both directions; a one-way partition drops a→b and delivers b→a. Either
// kind cuts the lock connections of the affected pairs (TCP does not survive a one-way cut) and the
// membership messages in the cut directions. Partitions heal after a while; a node still cut off
// when a quorate peer that has it in its view suspects it is fenced: killed, confirmed to every
// live agent, restarted later.

import DLMCore
import DLMMembership

extension SimulationWorld {
    static let partitionFenceCheck: Duration = .milliseconds(2)

    /// Whether anything from `from` to `to` is dropped now.
    func isCut(_ from: Int, _ to: Int) -> Bool { cut[from][to] }

    /// Starts a partition unless one is active.
    mutating func startPartition() {
        guard !cut.joined().contains(true), options.nodeCount >= 3 else { return }
        let n = options.nodeCount
        var isolated: [Int] = []
        if rng.chance(50) {
            let size = Int.random(in: 1...((n - 1) / 2), using: &rng)
            let minority = Array((0..<n).shuffled(using: &rng).prefix(size))
            for x in minority {
                for y in 0..<n where !minority.contains(y) {
                    cut[x][y] = true
                    cut[y][x] = true
                }
            }
            isolated = minority
            report.partitions += 1
        } else {
            let a = Int.random(in: 0..<n, using: &rng)
            let b = (a + Int.random(in: 1..<n, using: &rng)) % n
            cut[a][b] = true
            isolated = [a]
            report.oneWayPartitions += 1
        }
        if options.trace { print("\(now / 1000)us partition \(cutDescription)") }
        for a in 0..<n {
            for b in (a + 1)..<n where cut[a][b] || cut[b][a] { breakConnection(a, b) }
        }
        lastFault = now
        for x in isolated { queue.push(.fencePartitioned(x, incarnations[x]), at: now + Self.nanoseconds(.milliseconds(6))) }
        queue.push(.healPartition, at: now + UInt64.random(in: 3_000...25_000, using: &rng) * 1000)
    }

    var cutDescription: String {
        var links: [String] = []
        for a in cut.indices { for b in cut.indices where cut[a][b] { links.append("\(a + 1)->\(b + 1)") } }
        return links.joined(separator: " ")
    }

    /// The lock connection between `a` and `b` goes down (frames in flight are lost) and stays down
    /// until the partition heals.
    mutating func breakConnection(_ a: Int, _ b: Int) {
        epochs[min(a, b)][max(a, b)] += 1
        sessions[a][b].onDisconnected()
        sessions[b][a].onDisconnected()
    }

    /// Every cut heals; broken connections come back.
    mutating func healPartition() {
        if options.trace { print("\(now / 1000)us heal \(cutDescription)") }
        let n = options.nodeCount
        let broken = (0..<n).flatMap { a in ((a + 1)..<n).filter { b in cut[a][b] || cut[b][a] }.map { (a, $0) } }
        cut = Array(repeating: Array(repeating: false, count: n), count: n)
        lastFault = now
        for (a, b) in broken where !sessions[a][b].isConnected || !sessions[b][a].isConnected { reconnect(a, b) }
    }

    /// Fencing of a node a partition isolated: when a quorate live peer whose view contains it (one
    /// that could propose its removal) no longer hears it and it is still cut off, it is killed and
    /// confirmed fenced; otherwise checked again a little later.
    mutating func fencePartitioned(_ index: Int, incarnation: UInt32) {
        guard alive[index], incarnations[index] == incarnation, cut.indices.contains(where: { cut[index][$0] || cut[$0][index] })
        else { return }
        let me = Member(node: NodeID(index + 1), incarnation: incarnation)
        let suspected = agents.indices.contains { peer in
            peer != index && alive[peer] && agents[peer].quorate && agents[peer].view.members.contains(me)
                && !agents[peer].live(now: nowInstant).contains(me)
        }
        guard suspected else {
            queue.push(.fencePartitioned(index, incarnation), at: now + Self.nanoseconds(Self.partitionFenceCheck))
            return
        }
        if options.trace { print("\(now / 1000)us fence-kill@\(index + 1)") }
        kill(index)
        report.fencedPartitioned += 1
        fence(index, incarnation: incarnation)
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 { UInt64(duration.components.attoseconds / 1_000_000_000) + UInt64(duration.components.seconds) * 1_000_000_000 }
}
