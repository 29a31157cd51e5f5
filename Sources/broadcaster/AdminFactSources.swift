import AdminDashboard
import ChainRPC
import EVMPrimitives
import Kafka
import ServiceLifecycle

/// The chain's nonces for the overview, from the configured node.
struct NodeNonces: ChainNonceSource {
    let rpc: ChainRPCClient

    func nonces(of sender: Address) async throws -> (latest: Nonce, pending: Nonce) {
        async let latest = rpc.transactionCount(of: sender, at: .latest)
        async let pending = rpc.transactionCount(of: sender, at: .pending)
        return try await (latest, pending)
    }
}

/// The partitions' high watermarks for the overview, from the broker.
struct BrokerEnds: PartitionEndSource {
    let probe: KafkaLagProbe

    func highWatermarks(topic: String, partitions: [Int32]) async throws -> [Int32: Int64] {
        try await probe.highWatermarks(topic: topic, partitions: partitions)
    }
}

/// The overview's background poll as a service, ended with the others on shutdown.
struct BackgroundFactsService: Service {
    let facts: BackgroundFacts

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await facts.run()
        }
    }
}
