// dlmd micro-benchmarks: the hot paths below the daemon, each measured in isolation by
// ordo-one/benchmark — LockEngine's grant path (request + unlock on a fresh resource; the grant of a
// queued waiter), the directory hash (jhash of 64-byte names), the peer codec (encode + decode of a
// REQUEST frame) and the client codec (encode + decode of a LOCK frame and a COMPLETION reply).
// Metrics per operation: wall clock, mallocs (deterministic: a new allocation on a path shows at once);
// checked against the p90 thresholds in Benchmarks/Thresholds (`make -C bench micro`).

import Benchmark
import DLMClientProtocol
import DLMCore
import DLMDirectory
import DLMEngine
import DLMWire
import NIOCore

/// Distinct resource names the engine and hash benchmarks cycle through.
private let nameCount = 1_000

/// Wall-clock time may move by half at p90 on this shared 2-vCPU machine (other builds run beside it);
/// mallocs per operation are deterministic and must not grow.
private func tolerances() -> [BenchmarkMetric: BenchmarkThresholds] { [
    .wallClock: .init(relative: [.p90: 50]),
    .mallocCountTotal: .init(relative: [.p90: 0], absolute: [.p90: 2]),
] }

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: .kilo(10),
        thresholds: tolerances())
    engineBenchmarks()
    hashBenchmarks()
    codecBenchmarks()
}

// MARK: - Engine

private func owner(_ handle: UInt64) -> LockOwner { LockOwner(node: 1, pid: 1000, handle: handle) }

private func engineBenchmarks() {
    let names = (0..<nameCount).map { try! ResourceName("resource.\($0)") }
    Benchmark("Engine.exRequestUnlockFreshResource") { benchmark in
        var engine = LockEngine()
        var effects: [EngineEffect] = []
        effects.reserveCapacity(8)
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            let request = LockRequest(owner: owner(1), name: names[index % nameCount], mode: .ex)
            let (id, _) = try engine.lock(request, now: .zero, effects: &effects)
            _ = try engine.unlock(lockID: id, flags: [], valueBlock: nil, now: .zero, effects: &effects)
            effects.removeAll(keepingCapacity: true)
        }
        benchmark.stopMeasurement()
        blackHole(engine.lockCount)
    }
    Benchmark("Engine.unlockGrantsQueuedWaiter") { benchmark in
        var engine = LockEngine()
        var effects: [EngineEffect] = []
        effects.reserveCapacity(8)
        let name = try! ResourceName("hot")
        var holder = try engine.lock(LockRequest(owner: owner(1), name: name, mode: .ex), now: .zero, effects: &effects).lockID
        effects.removeAll(keepingCapacity: true)
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            // The next owner queues behind the holder; the holder's unlock grants it.
            let waiter = LockRequest(owner: owner(UInt64(2 + index % 2)), name: name, mode: .ex)
            let (next, _) = try engine.lock(waiter, now: .zero, effects: &effects)
            _ = try engine.unlock(lockID: holder, flags: [], valueBlock: nil, now: .zero, effects: &effects)
            holder = next
            effects.removeAll(keepingCapacity: true)
        }
        benchmark.stopMeasurement()
        blackHole(engine.lockCount)
    }
}

// MARK: - Directory hash

private func hashBenchmarks() {
    let names: [ResourceName] = (0..<nameCount).map { index in
        let text = String(repeating: "n", count: Limits.resourceNameBytesMax - 8) + String(format: "%08d", index)
        return try! ResourceName(text)
    }
    Benchmark("Directory.jhash64ByteName") { benchmark in
        var sum: UInt32 = 0
        for index in benchmark.scaledIterations { sum &+= NameHash.hash(names[index % nameCount]) }
        blackHole(sum)
    }
}

// MARK: - Codecs

private func codecBenchmarks() {
    let name = try! ResourceName("codec.resource.0001")
    var message = LockMessage(name: name)
    message.node = 1
    message.lockID = 0x1234
    message.requestedMode = .ex
    message.hash = NameHash.hash(name)
    let frame = WireFrame(lockspace: 7, sender: 1, sequence: 42, acknowledgement: 41, message: .request(message), generation: 3)
    Benchmark("PeerCodec.encodeDecodeRequestFrame") { benchmark in
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        for _ in benchmark.scaledIterations {
            buffer.clear()
            try frame.encode(into: &buffer)
            guard let decoded = try WireFrameDecoder.decodeFrame(from: &buffer) else { fatalError("no frame decoded") }
            blackHole(decoded)
        }
    }
    let call = LockCall(mode: UInt32(LockMode.ex.rawValue), name: Array("codec.resource.0001".utf8))
    let request = RequestFrame(requestID: 9, message: .lock(call))
    let reply = ReplyFrame(
        requestID: 0, message: .completion(CompletionCallback(lockID: 0x1234, status: .granted, grantedMode: .ex)))
    Benchmark("ClientCodec.encodeDecodeLockAndCompletion") { benchmark in
        // One decoder per direction, as a connection keeps them.
        var requests = FrameDecoder<ClientRequest>()
        var replies = FrameDecoder<DaemonMessage>()
        var out: [UInt8] = []
        out.reserveCapacity(256)
        for _ in benchmark.scaledIterations {
            out.removeAll(keepingCapacity: true)
            request.encode(into: &out)
            requests.feed(out)
            blackHole(try requests.next())
            out.removeAll(keepingCapacity: true)
            reply.encode(into: &out)
            replies.feed(out)
            blackHole(try replies.next())
        }
    }
}
