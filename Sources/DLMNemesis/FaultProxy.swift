// dlmd — DLMNemesis: a fault-injecting TCP proxy for one peer link (loopback only).

import Foundation
import Glibc

/// Forwards one node pair's peer link: the lower node dials `listenPort` (its config lists the higher
/// node there) and the proxy dials the higher node's real port. Between the two it can hold one
/// direction (a one-way cut: bytes wait in the proxy and the kernel buffers, none are lost or torn),
/// hold both, refuse new connections (a partition), drop every live connection (a link drop), or
/// duplicate the next whole peer frame (a replayed frame the receiver's session must discard).
///
/// One thread accepts; one thread per connection polls both sockets every `Self.pollMilliseconds`.
public final class FaultProxy: @unchecked Sendable {
    /// A direction of the link.
    public enum Direction: Sendable, Hashable, CaseIterable {
        /// From the lower (dialing) node to the higher one.
        case forward
        /// From the higher node back to the lower one.
        case backward
    }

    public let low: Int
    public let high: Int
    /// Where the lower node dials.
    public private(set) var listenPort = 0
    private let targetPort: Int
    private let guardLock = NSLock()
    private var held: Set<Direction> = []
    private var refusing = false
    private var epoch = 0
    private var stopped = false
    private var duplicateNext: Set<Direction> = []
    private var listenFD: Int32 = -1
    private var threads = 0
    private var duplicated = 0
    private var forwarded = 0
    /// Frames duplicated so far (each also replayed the sequenced frame before it, when there was one).
    public var duplicatedFrames: Int { guardLock.withLock { duplicated } }
    /// Connections accepted and forwarded so far.
    public var connectionsForwarded: Int { guardLock.withLock { forwarded } }
    /// Whether a requested duplicate has not happened yet.
    public var duplicatePending: Bool { guardLock.withLock { !duplicateNext.isEmpty } }

    static let pollMilliseconds: Int32 = 20
    static let chunkBytes = 65_536

    /// Binds 127.0.0.1 on a free port and starts accepting.
    public init(low: Int, high: Int, targetPort: Int) throws {
        self.low = low
        self.high = high
        self.targetPort = targetPort
        let (fd, port) = try LoopbackSocket.listen()
        listenFD = fd
        listenPort = port
        spawn { self.acceptLoop() }
    }

    // MARK: - Faults

    /// Holds the given directions (one-way or both) until `heal()`; live connections stay open.
    public func hold(_ directions: Set<Direction>) { guardLock.withLock { held.formUnion(directions) } }

    /// A partition: holds both directions, closes live connections and refuses new ones until `heal()`.
    public func partition() {
        guardLock.withLock {
            held = Set(Direction.allCases)
            refusing = true
            epoch += 1
        }
    }

    /// A link drop: closes every live connection once (the dialer reconnects through the proxy).
    public func dropLinks() { guardLock.withLock { epoch += 1 } }

    /// Sends the next complete frame in `direction` twice.
    public func duplicateNextFrame(_ direction: Direction) { guardLock.withLock { _ = duplicateNext.insert(direction) } }

    /// Ends every fault: held bytes flow, new connections are accepted.
    public func heal() {
        guardLock.withLock {
            held = []
            refusing = false
        }
    }

    /// Whether any fault is active.
    public var isFaulty: Bool { guardLock.withLock { !held.isEmpty || refusing } }

    /// Closes everything and waits (bounded) for the proxy's threads to end.
    public func stop() {
        guardLock.withLock {
            stopped = true
            epoch += 1
        }
        for _ in 0..<200 where guardLock.withLock({ threads }) > 0 { usleep(10_000) }
    }

    // MARK: - Threads

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        guardLock.withLock { threads += 1 }
        let thread = Thread {
            body()
            self.guardLock.withLock { self.threads -= 1 }
        }
        thread.start()
    }

    private func acceptLoop() {
        defer { close(listenFD) }
        while !guardLock.withLock({ stopped }) {
            var descriptor = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Self.pollMilliseconds * 5) > 0 else { continue }
            let client = accept(listenFD, nil, nil)
            guard client >= 0 else { continue }
            let (refuse, current) = guardLock.withLock { (refusing, epoch) }
            if refuse {
                close(client)
                continue
            }
            guard let upstream = try? LoopbackSocket.connect(port: targetPort) else {
                close(client)
                continue
            }
            guardLock.withLock { forwarded += 1 }
            spawn { self.pump(client: client, upstream: upstream, epoch: current) }
        }
    }

    /// Forwards both directions of one connection until either side closes, the epoch moves on or the
    /// proxy stops. A held direction is simply not read.
    private func pump(client: Int32, upstream: Int32, epoch started: Int) {
        defer {
            close(client)
            close(upstream)
        }
        var splitters: [Direction: FrameSplitter] = [.forward: FrameSplitter(), .backward: FrameSplitter()]
        var buffer = [UInt8](repeating: 0, count: Self.chunkBytes)
        while true {
            let (heldNow, current, stop) = guardLock.withLock { (held, epoch, stopped) }
            if stop || current != started { return }
            var fds = [
                pollfd(fd: client, events: heldNow.contains(.forward) ? 0 : Int16(POLLIN), revents: 0),
                pollfd(fd: upstream, events: heldNow.contains(.backward) ? 0 : Int16(POLLIN), revents: 0),
            ]
            guard poll(&fds, 2, Self.pollMilliseconds) > 0 else { continue }
            for (index, direction) in [(0, Direction.forward), (1, Direction.backward)] {
                let revents = Int32(fds[index].revents)
                if revents & (POLLERR | POLLNVAL) != 0 { return }
                guard revents & (POLLIN | POLLHUP) != 0 else { continue }
                let count = read(fds[index].fd, &buffer, buffer.count)
                if count <= 0 { return }
                let outgoing = splitters[direction]!.feed(
                    Array(buffer[0..<count]), duplicate: { self.takeDuplicate(direction) })
                guard LoopbackSocket.writeAll(fds[1 - index].fd, outgoing) else { return }
            }
        }
    }

    private func takeDuplicate(_ direction: Direction) -> Bool {
        guardLock.withLock {
            guard duplicateNext.remove(direction) != nil else { return false }
            duplicated += 1
            return true
        }
    }
}
