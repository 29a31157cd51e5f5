import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import Testing

/// Not a test: a measurement, run on demand, that prints what the batching transport gets out
/// of a node answering after 20-30 s (the flaky proxy unscaled, without faults) and asserts
/// nothing about speed.
///
///     BATCH_THROUGHPUT="16x100,64x100" BATCH_THROUGHPUT_SECONDS=60 \
///       swift test --skip-build --filter BatchThroughputProbe
///
/// Each `CxB` runs C connections with batches of B, and C × B callers that each call
/// `eth_blockNumber` in a loop; it counts the answers in the measuring window that follows a
/// 30 s warm-up (the first answers only come after 20 s), and prints them per second next to
/// the ceiling C × B / 25 s, with the proxy's request and call counts.
@Suite("Batch throughput probe", .serialized, .enabled(if: ProcessInfo.processInfo.environment["BATCH_THROUGHPUT"] != nil))
struct BatchThroughputProbe {
    @Test func callsPerSecondThroughASlowNode() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = Double(environment["BATCH_THROUGHPUT_SECONDS"] ?? "") ?? 60
        let shapes = (environment["BATCH_THROUGHPUT"] ?? "").split(separator: ",").compactMap { shape -> (Int, Int)? in
            let parts = shape.split(separator: "x").compactMap { Int($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
        try await withDevChain { chain in
            for (connections, batchSize) in shapes {
                let options = FlakyProxy.Options(seed: 1, timeScale: 1, pSilent: 0, pError: 0)
                try await withFlakyProxy(upstream: chain.url, options: options) { proxy in
                    let configuration = try ChainRPCConfiguration(
                        endpoints: [RPCEndpoint(proxy.url)], callTimeout: .seconds(45), connectTimeout: .seconds(10),
                        maxConnectionsPerEndpoint: connections, batchSize: batchSize)
                    let counts = try await withChainRPCClient(configuration) { client in
                        try await Self.measure(client, callers: connections * batchSize, warmUp: 30, seconds: seconds)
                    }
                    let stats = try await proxy.stats()
                    let ceiling = Double(connections * batchSize) / 25
                    print(
                        "batch-throughput connections=\(connections) batchSize=\(batchSize) callers=\(connections * batchSize)"
                            + " answered/s=\(String(format: "%.1f", Double(counts.answered) / seconds))"
                            + " failed=\(counts.failed) ceiling(C*B/25s)=\(String(format: "%.1f", ceiling))"
                            + " proxy.requests=\(Int(stats["requests"] ?? 0)) proxy.calls=\(Int(stats["calls"] ?? 0))"
                            + " proxy.max_in_flight=\(Int(stats["max_in_flight"] ?? 0))")
                }
            }
        }
    }

    struct Counts: Sendable {
        var answered = 0
        var failed = 0
    }

    /// Runs `callers` looping callers for `warmUp + seconds` and counts what ended inside the
    /// last `seconds`.
    static func measure(_ client: ChainRPCClient, callers: Int, warmUp: Double, seconds: Double) async throws -> Counts {
        let start = ContinuousClock.now
        let from = start + .milliseconds(Int64(warmUp * 1000))
        let until = from + .milliseconds(Int64(seconds * 1000))
        return await withTaskGroup(of: Counts.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    var counts = Counts()
                    while ContinuousClock.now < until {
                        let ok: Bool
                        do throws(ChainRPCError) {
                            _ = try await client.blockNumber()
                            ok = true
                        } catch {
                            ok = false
                        }
                        let now = ContinuousClock.now
                        guard now >= from, now < until else { continue }
                        if ok { counts.answered += 1 } else { counts.failed += 1 }
                    }
                    return counts
                }
            }
            return await group.reduce(into: Counts()) {
                $0.answered += $1.answered
                $0.failed += $1.failed
            }
        }
    }
}
