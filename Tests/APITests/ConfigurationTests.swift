import ABI
import BroadcastModel
import BroadcasterConfig
import EVMKeys
import EVMPrimitives
import EVMSigning
import Foundation
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let defaultFile = repository.appendingPathComponent("Config/broadcaster.json").path

    @Test("Config/broadcaster.json loads: the dev signer, its address, the mission's message type in any spelling")
    func defaultFileLoads() async throws {
        let configuration = try await BroadcasterConfiguration.load(configFile: Self.defaultFile, environment: [:])
        #expect(configuration.signers == ["dev": .hexFile(path: Self.repository.appendingPathComponent("Config/dev-keys/dev.key").path)])
        #expect(configuration.signerAddresses["dev"] == (try Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")))
        #expect(configuration.kafka.brokers == "127.0.0.1:9092")
        #expect(configuration.rpc.chainID == ChainID(131_277_322_940_537))
        let named = try #require(try configuration.messageType(for: "add_weight(address _addr, uint256 _weight)"))
        let bare = try #require(try configuration.messageType(for: "add_weight(address,uint256)"))
        let spaced = try #require(try configuration.messageType(for: " add_weight( address a , uint b ) "))
        #expect(named == bare && bare == spaced)
        #expect(named.gasLimit == Gas(100_000))
        #expect(configuration.tracking.confirmations == 12)
        #expect(configuration.retry.deadline == .seconds(1800))
        #expect(configuration.fees.maxFeePerGas == .gwei(500) && configuration.fees.minPriorityFeePerGas == Wei(10_000_000))
        #expect(configuration.worker.leaseLength == .seconds(30) && configuration.worker.maxUnsent == 10_000)
        #expect(configuration.worker.maxPendingPerSender == 1000 && configuration.worker.nonceReadAhead == .seconds(60))
        #expect(configuration.rpc.batchSize == 100 && configuration.rpc.batchWindow == .milliseconds(5))
        #expect(configuration.rpc.connections == 64 && configuration.rpc.connectionWait == .seconds(60))
        #expect(try configuration.senders(of: named).get().addresses == [configuration.signerAddresses["dev"]].compactMap { $0 })
        #expect(try configuration.messageType(for: "add_weight(address,uint128)") == nil)
    }

    @Test("the dev key file holds the well-known test key 0x…01, whose address is the configured one")
    func devKeyMatchesAddress() async throws {
        let path = Self.repository.appendingPathComponent("Config/dev-keys/dev.key").path
        let key = try KeySource.hexFile(path: path).load()
        #expect(key.address == (try Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")))
    }

    @Test("environment variables override the file, which overrides the defaults")
    func priority() async throws {
        let configuration = try await BroadcasterConfiguration.load(configFile: Self.defaultFile, environment: [
            "BROADCASTER_KAFKA_BROKERS": "10.0.0.1:9093,10.0.0.2:9093",
            "BROADCASTER_API_PORT": "9000",
            "BROADCASTER_API_MAX_BODY_BYTES": "2048",
            "BROADCASTER_KAFKA_PRODUCE_TIMEOUT": "1.5",
            "BROADCASTER_KAFKA_LINGER_MS": "0",
            "BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_GAS_LIMIT": "250000",
        ])
        #expect(configuration.kafka.brokers == "10.0.0.1:9093,10.0.0.2:9093")
        #expect(configuration.api.port == 9000)
        #expect(configuration.api.maxBodyBytes == 2048)
        #expect(configuration.kafka.produceTimeout == .milliseconds(1500))
        #expect(configuration.kafka.lingerMs == 0)
        #expect(configuration.messageTypes.first?.gasLimit == Gas(250_000))
        #expect(configuration.kafka.requestsTopic == "broadcaster.requests")
        let defaults = try await BroadcasterConfiguration.load(configFile: nil, environment: [:])
        #expect(defaults.api.port == 8080 && defaults.messageTypes.isEmpty && defaults.signers.isEmpty)
        #expect(defaults.kafka.lingerMs == 1)
    }

    @Test("connection limits: production defaults, overridable by the environment")
    func connectionLimits() async throws {
        let defaults = try await BroadcasterConfiguration.load(configFile: nil, environment: [:]).api
        #expect(defaults.idleTimeout == .seconds(60))
        #expect(defaults.headerTimeout == .seconds(10))
        #expect(defaults.bodyTimeout == .seconds(30))
        #expect(defaults.maxConnections == 1024)
        let set = try await BroadcasterConfiguration.load(configFile: nil, environment: [
            "BROADCASTER_API_IDLE_TIMEOUT": "5", "BROADCASTER_API_HEADER_TIMEOUT": "1.5",
            "BROADCASTER_API_BODY_TIMEOUT": "2", "BROADCASTER_API_MAX_CONNECTIONS": "64",
        ]).api
        #expect(set.idleTimeout == .seconds(5))
        #expect(set.headerTimeout == .milliseconds(1500))
        #expect(set.bodyTimeout == .seconds(2))
        #expect(set.maxConnections == 64)
    }

    @Test("a missing file named by the operator is an error; the default one may be absent")
    func missingFile() async throws {
        await #expect(throws: ConfigurationError.self) {
            try await BroadcasterConfiguration.load(configFile: "/nonexistent/broadcaster.json", environment: [:])
        }
        let configuration = try await BroadcasterConfiguration.load(configFile: "/nonexistent/broadcaster.json", requireFile: false, environment: [:])
        #expect(configuration.api.port == 8080)
    }

    @Test("environment names follow swift-configuration's spelling")
    func environmentNames() {
        #expect(EnvironmentName.variable(for: ["api", "maxBodyBytes"]) == "BROADCASTER_API_MAX_BODY_BYTES")
        #expect(EnvironmentName.variable(for: ["messageTypes", "add_weight", "signature"]) == "BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SIGNATURE")
        #expect(EnvironmentName.variable(for: ["kafka", "brokers"]) == "BROADCASTER_KAFKA_BROKERS")
    }

    static let signer = [
        "BROADCASTER_SIGNERS_NAMES": "dev",
        "BROADCASTER_SIGNERS_DEV_KEY_FILE": "Config/dev-keys/dev.key",
        "BROADCASTER_SIGNERS_DEV_ADDRESS": "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
    ]
    static let messageType = signer.merging([
        "BROADCASTER_MESSAGE_TYPES_NAMES": "add_weight",
        "BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SIGNATURE": "add_weight(address _addr, uint256 _weight)",
        "BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_CONTRACT": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SIGNER": "dev",
    ]) { $1 }

    /// The mission's type signed by a pool of two signers.
    static let pool = messageType.merging([
        "BROADCASTER_SIGNERS_NAMES": "dev,second",
        "BROADCASTER_SIGNERS_SECOND_KEY_FILE": "Config/dev-keys/dev.key",
        "BROADCASTER_SIGNERS_SECOND_ADDRESS": "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
        "BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SIGNER": "",
        "BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SIGNERS": "second,dev",
    ]) { $1 }.filter { $0.key != "BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SIGNER" }

    @Test("a message type may be signed by a pool: signers lists them, in order, each with its address")
    func signerPool() async throws {
        let configuration = try await BroadcasterConfiguration.load(configFile: nil, environment: Self.pool)
        let type = try #require(try configuration.messageType(for: "add_weight(address,uint256)"))
        #expect(type.signers == ["second", "dev"])
        let pool = try configuration.senders(of: type).get()
        #expect(pool.addresses == [try Address("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"), try Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")])
    }

    /// (environment, the key the error must name, a word its reason must contain)
    static let invalid: [([String: String], String, String)] = [
        (["BROADCASTER_API_PORT": "0"], "api.port", "1 to 65535"),
        (["BROADCASTER_API_PORT": "eighty"], "api.port", "not an integer"),
        (["BROADCASTER_KAFKA_BROKERS": "localhost"], "kafka.brokers", "host:port"),
        (["BROADCASTER_KAFKA_BROKERS": "a:1,b:0"], "kafka.brokers", "b:0"),
        (["BROADCASTER_KAFKA_PRODUCE_TIMEOUT": "0"], "kafka.produceTimeout", "greater than"),
        (["BROADCASTER_KAFKA_PRODUCE_TIMEOUT": "1e300"], "kafka.produceTimeout", "longer than a year"),
        (["BROADCASTER_API_LOG_LEVEL": "verbose"], "api.logLevel", "not a log level"),
        (["BROADCASTER_KAFKA_LINGER_MS": "-1"], "kafka.lingerMs", "0 to 900000"),
        (["BROADCASTER_KAFKA_LINGER_MS": "900001"], "kafka.lingerMs", "0 to 900000"),
        (["BROADCASTER_KAFKA_LINGER_MS": "1.5"], "kafka.lingerMs", "not an integer"),
        (["BROADCASTER_KAFKA_RESULTS_TOPIC": "broadcaster.requests"], "kafka.resultsTopic", "different"),
        (["BROADCASTER_KAFKA_REQUESTS_TOPIC": "bad topic"], "kafka.requestsTopic", "topic name"),
        (["BROADCASTER_RPC_ENDPOINTS": "ftp://node"], "rpc.endpoints", "http(s)"),
        (["BROADCASTER_RETRY_JITTER": "2"], "retry.jitter", "0 to 1"),
        (["BROADCASTER_RETRY_MAX_DELAY": "1"], "retry.maxDelay", "initialDelay"),
        (["BROADCASTER_API_API_KEY_HASHES": "secret"], "api.apiKeyHashes", "never the key"),
        (["BROADCASTER_FEES_MAX_PRIORITY_FEE_PER_GAS_GWEI": "1000"], "fees.maxPriorityFeePerGasGwei", "exceeds"),
        (["BROADCASTER_FEES_MIN_PRIORITY_FEE_PER_GAS_GWEI": "6"], "fees.minPriorityFeePerGasGwei", "exceeds"),
        (["BROADCASTER_FEES_MAX_FEE_PER_GAS_GWEI": "-1"], "fees.maxFeePerGasGwei", "not a fee"),
        (["BROADCASTER_FEES_BUMP_PERCENT": "5"], "fees.bumpPercent", "10 to 100"),
        (["BROADCASTER_RETRY_ATTEMPTS": "3"], "retry.attempts", "was removed"),
        (["BROADCASTER_RETRY_DEADLINE": "10"], "retry.deadline", "shorter than one retry.maxDelay"),
        (["BROADCASTER_TRACKING_CONFIRMATIONS": "0"], "tracking.confirmations", "1 to 1000"),
        (["BROADCASTER_TRACKING_BUMP_AFTER": "0"], "tracking.bumpAfter", "greater than"),
        (["BROADCASTER_WORKER_LEASE_LENGTH": "1"], "worker.leaseLength", "2 to 3600"),
        (["BROADCASTER_WORKER_MAX_UNSENT": "0"], "worker.maxUnsent", "1 to 10000000"),
        (["BROADCASTER_WORKER_MAX_PENDING_PER_SENDER": "0"], "worker.maxPendingPerSender", "1 to 100000"),
        (["BROADCASTER_WORKER_NONCE_READ_AHEAD": "601"], "worker.nonceReadAhead", "0 to 600"),
        (["BROADCASTER_WORKER_NONCE_READ_AHEAD": "-1"], "worker.nonceReadAhead", "greater than or equal to 0"),
        (["BROADCASTER_SIGNERS_NAMES": "Dev"], "signers.names", "lowercase"),
        (["BROADCASTER_SIGNERS_NAMES": "dev"], "signers.dev", "no key source"),
        (signer.merging(["BROADCASTER_SIGNERS_DEV_KEY_ENV": "KEY"]) { $1 }, "signers.dev", "exactly one"),
        (signer.merging(["BROADCASTER_SIGNERS_DEV_ADDRESS": "0x1234"]) { $1 }, "signers.dev.address", "0x1234"),
        (messageType.merging(["BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SIGNER": "ops"]) { $1 }, "messageTypes.add_weight.signer", "not a configured signer"),
        (messageType.merging(["BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SIGNERS": "dev"]) { $1 }, "messageTypes.add_weight.signers", "both signer and signers"),
        (pool.merging(["BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SIGNERS": "dev,ops"]) { $1 }, "messageTypes.add_weight.signers", "\"ops\" is not a configured signer"),
        (pool.merging(["BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SIGNERS": "dev,dev"]) { $1 }, "messageTypes.add_weight.signers", "listed twice"),
        (messageType.merging(["BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SIGNATURE": "add_weight(address"]) { $1 }, "messageTypes.add_weight.signature", "invalid function signature"),
        (messageType.merging(["BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_CONTRACT": "0xabc"]) { $1 }, "messageTypes.add_weight.contract", "0xabc"),
        (messageType.merging(["BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SELECTOR_POLICY": "allowMismatch"]) { $1 }, "messageTypes.add_weight.selectorPolicy", "was removed"),
        (messageType.merging(["BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_SELECTOR": "0xd71363"]) { $1 }, "messageTypes.add_weight.selector", "exactly 4"),
        (["BROADCASTER_API_IDLE_TIMEOUT": "0"], "api.idleTimeout", "0.001 to 3600"),
        (["BROADCASTER_API_HEADER_TIMEOUT": "1e300"], "api.headerTimeout", "0.001 to 300"),
        (["BROADCASTER_API_BODY_TIMEOUT": "soon"], "api.bodyTimeout", "not a number"),
        (["BROADCASTER_API_MAX_WAIT": "1e300"], "api.maxWait", "poll GET /transaction"),
        (["BROADCASTER_API_MAX_CONNECTIONS": "0"], "api.maxConnections", "1 to 1000000"),
        (["BROADCASTER_RPC_BATCH_SIZE": "1001"], "rpc.batchSize", "1 to 1000"),
        (["BROADCASTER_RPC_BATCH_SIZE": "many"], "rpc.batchSize", "not an integer"),
        (["BROADCASTER_RPC_BATCH_WINDOW": "-0.001"], "rpc.batchWindow", "greater than or equal to 0"),
        (["BROADCASTER_RPC_CONNECTIONS": "0"], "rpc.connections", "1 to 100000"),
        (["BROADCASTER_RPC_CONNECTION_WAIT": "0"], "rpc.connectionWait", "greater than 0"),
        (messageType.merging([
            "BROADCASTER_MESSAGE_TYPES_NAMES": "add_weight,add_weight_again",
            "BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_AGAIN_SIGNATURE": "add_weight(address, uint)",
            "BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_AGAIN_CONTRACT": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            "BROADCASTER_MESSAGE_TYPES_ADD_WEIGHT_AGAIN_SIGNER": "dev",
        ]) { $1 }, "messageTypes.add_weight_again.signature", "add_weight(address,uint256)"),
    ]

    @Test("invalid values are refused at load, naming the key, its variable and what to do", arguments: 0..<invalid.count)
    func invalidValue(_ index: Int) async throws {
        let (environment, key, word) = Self.invalid[index]
        let error = try await #require(throws: ConfigurationError.self) {
            try await BroadcasterConfiguration.load(configFile: nil, environment: environment)
        }
        #expect(error.keyPath == key, "\(error)")
        #expect(error.description.contains(word), "\(error)")
        #expect(error.description.contains(error.environmentVariable))
    }
}
