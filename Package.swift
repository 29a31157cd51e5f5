// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// librdkafka 2.14.2, built by scripts/build-librdkafka. The rpath keeps the loader from picking
/// Debian's 2.0.2, which cannot talk to the local broker.
let librdkafkaPrefix = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent(".local/librdkafka").path

let package = Package(
    name: "Broadcaster",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "broadcaster", targets: ["broadcaster"]),
        .executable(name: "sign-benchmark", targets: ["SignBenchmark"]),
        .executable(name: "admin-queries-benchmark", targets: ["AdminQueriesBenchmark"]),
        .executable(name: "store-intake-benchmark", targets: ["StoreIntakeBenchmark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.25.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
    ],
    targets: [
        // C libraries, reached through module maps.
        .systemLibrary(
            name: "CSecp256k1",
            pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"])]
        ),

        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),

        // glibc's malloc tuning (mallopt), which Glibc's module leaves out.
        .systemLibrary(name: "CMalloc"),

        // The Ethereum layer.
        .target(
            name: "EVMPrimitives",
            dependencies: [.product(name: "BigInt", package: "BigInt")]
        ),
        .target(
            name: "EVMSigning",
            dependencies: [
                "EVMPrimitives",
                "CSecp256k1",
                "StrictJSON",
                .product(name: "BigInt", package: "BigInt"),
            ]
        ),
        .target(
            name: "EVMKeys",
            dependencies: [
                "EVMPrimitives",
                "EVMSigning",
                "StrictJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "ABI", dependencies: ["EVMPrimitives", .product(name: "BigInt", package: "BigInt")]),
        .target(
            name: "ChainRPC",
            dependencies: [
                "EVMPrimitives",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        // Strict JSON for everything a caller or a topic sends: duplicate keys, unknown fields and
        // trailing bytes are errors.
        .target(name: "StrictJSON"),

        // The broadcast pipeline.
        .target(name: "BroadcastModel", dependencies: ["EVMPrimitives"]),
        // A request's life on chain as a pure state machine: what to send, bump, cancel, and
        // when a status is the chain's final word.
        .target(
            name: "Lifecycle",
            dependencies: ["BroadcastModel", "EVMPrimitives", .product(name: "BigInt", package: "BigInt")]
        ),
        // The status store: the protocol every engine keeps and its model (StatusStore), one
        // module per engine, and the factory that picks one from configuration.
        .target(
            name: "StatusStore",
            dependencies: [
                "BroadcastModel",
                "EVMPrimitives",
                "Lifecycle",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "SQLiteStore",
            dependencies: [
                "BroadcastModel",
                "EVMPrimitives",
                "Lifecycle",
                "StatusStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "PostgresStore",
            dependencies: [
                "BroadcastModel",
                "BroadcasterConfig",
                "EVMKeys",
                "EVMPrimitives",
                "Lifecycle",
                "StatusStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Only for the type of the pool's own failures (a tripped connection breaker,
                // a pool shut down), which PostgresNIO passes on as they are.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
            ]
        ),
        .target(
            name: "StoreEngines",
            dependencies: [
                "BroadcasterConfig",
                "PostgresStore",
                "SQLiteStore",
                "StatusStore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            linkerSettings: [.unsafeFlags(["-Xlinker", "-rpath", "-Xlinker", "\(librdkafkaPrefix)/lib"])]
        ),
        .target(
            name: "BroadcasterConfig",
            dependencies: [
                "ABI",
                "BroadcastModel",
                "EVMKeys",
                "EVMPrimitives",
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        // The one way requests reach the requests topic (encoded, keyed by sender, acknowledged):
        // the API's and the dashboard's retry.
        .target(name: "RequestTopic", dependencies: ["BroadcastModel", "EVMPrimitives", "Kafka"]),
        // Whether a request may be signed under this configuration: the API's check, repeated
        // by the worker for everything it consumes.
        .target(
            name: "Admission",
            dependencies: ["ABI", "BroadcastModel", "BroadcasterConfig", "EVMPrimitives"]
        ),
        .target(
            name: "Pipeline",
            dependencies: [
                "ABI",
                "Admission",
                "Lifecycle",
                "BroadcastModel",
                "BroadcasterConfig",
                "ChainRPC",
                "StrictJSON",
                "EVMKeys",
                "EVMPrimitives",
                "EVMSigning",
                "Kafka",
                "StatusStore",
                "StoreEngines",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "API",
            dependencies: [
                "ABI",
                "Lifecycle",
                "Admission",
                "StrictJSON",
                "BroadcastModel",
                "BroadcasterConfig",
                "EVMPrimitives",
                "Kafka",
                "RequestTopic",
                "StatusStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Who may see the admin dashboard and what they may do: users and roles, sessions, CSRF
        // and origin checks, login rate limits, security headers, as Hummingbird middleware.
        .target(
            name: "AdminAccess",
            dependencies: [
                "BroadcasterConfig",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        // What the dashboard may do to requests: retry failed ones as new linked requests.
        .target(
            name: "AdminActions",
            dependencies: [
                "Admission", "BroadcastModel", "ChainRPC", "EVMPrimitives", "Lifecycle", "RequestTopic", "StatusStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The admin dashboard: server-rendered pages and their JSON over the status store, behind
        // AdminAccess, retrying through an injected RetryActions.
        .target(
            name: "AdminDashboard",
            dependencies: [
                "ABI",
                "AdminAccess",
                "AdminActions",
                "BroadcastModel",
                "BroadcasterConfig",
                "EVMPrimitives",
                "Lifecycle",
                "StatusStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // The one executable; its subcommands only parse arguments and build.
        .executableTarget(
            name: "broadcaster",
            dependencies: [
                "CMalloc",
                "AdminAccess",
                "AdminActions",
                "AdminDashboard",
                "Admission",
                "ChainRPC",
                "EVMPrimitives",
                "EVMSigning",
                "EVMKeys",
                "API",
                "BroadcasterConfig",
                "Kafka",
                "Pipeline",
                "RequestTopic",
                "StatusStore",
                "StoreEngines",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        // OpenSSL's libcrypto: sign-benchmark's SHA3-256 reference, never linked into the product.
        .systemLibrary(
            name: "CLibcrypto",
            path: "Benchmarks/CLibcrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .executableTarget(
            name: "SignBenchmark",
            dependencies: ["EVMPrimitives", "EVMSigning", "CSecp256k1", "CLibcrypto"],
            path: "Benchmarks/SignBenchmark"
        ),

        // The store benchmarks' PostgreSQL server: one named by --postgres-url, or a throwaway one
        // with PostgreSQL's default durability.
        .target(
            name: "StoreBenchmarkSupport",
            dependencies: ["BroadcasterConfig", "KafkaTestSupport", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Benchmarks/StoreBenchmarkSupport"
        ),

        .executableTarget(
            name: "AdminQueriesBenchmark",
            dependencies: [
                "BroadcastModel", "BroadcasterConfig", "EVMPrimitives", "PostgresStore", "SQLiteStore", "StatusStore", "StoreBenchmarkSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Benchmarks/admin-queries"
        ),

        .executableTarget(
            name: "StoreIntakeBenchmark",
            dependencies: [
                "BroadcastModel", "BroadcasterConfig", "EVMPrimitives", "Lifecycle", "PostgresStore", "SQLiteStore", "StatusStore",
                "StoreBenchmarkSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Benchmarks/store-intake"
        ),

        // glibc's posix_spawn extensions (closefrom, chdir) and pipe2, for starting test helpers.
        .systemLibrary(name: "CSpawn", path: "Tests/CSpawn"),

        // Starts the local chain and the flaky proxy (devchain/) for tests.
        .target(
            name: "DevChainSupport",
            dependencies: ["CSpawn", "ChainRPC", "EVMPrimitives", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "Tests/DevChainSupport"
        ),

        // Starts a Tansu broker (memory storage) on a free port for tests.
        .target(name: "KafkaTestSupport", path: "Tests/KafkaTestSupport"),

        // Starts one PostgreSQL server (Debian's package) per test process and hands out fresh
        // databases on it.
        .target(
            name: "PostgresTestSupport",
            dependencies: ["BroadcasterConfig", "KafkaTestSupport"],
            path: "Tests/PostgresTestSupport"
        ),

        .testTarget(name: "EVMPrimitivesTests", dependencies: ["EVMPrimitives"]),
        .testTarget(
            name: "EVMSigningTests",
            dependencies: ["EVMSigning", "EVMPrimitives"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EVMKeysTests",
            dependencies: ["EVMKeys", "EVMSigning", "EVMPrimitives", .product(name: "Logging", package: "swift-log")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "ABITests", dependencies: ["ABI", "EVMPrimitives", .product(name: "BigInt", package: "BigInt")]),
        .testTarget(name: "DevChainSupportTests", dependencies: ["DevChainSupport"]),
        .testTarget(
            name: "ChainRPCTests",
            dependencies: [
                "ChainRPC", "EVMPrimitives", "EVMSigning", "DevChainSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "KafkaTests",
            dependencies: [
                "Kafka", "KafkaTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "BroadcastModelTests",
            dependencies: ["BroadcastModel", "EVMPrimitives", .product(name: "BigInt", package: "BigInt")]),
        .testTarget(
            name: "LifecycleTests",
            dependencies: ["Lifecycle", "BroadcastModel", "EVMPrimitives", .product(name: "BigInt", package: "BigInt")]
        ),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"]),
        .testTarget(
            name: "AdmissionTests",
            dependencies: ["Admission", "ABI", "BroadcastModel", "BroadcasterConfig", "EVMKeys", "EVMPrimitives"]
        ),
        .testTarget(
            name: "StatusStoreTests",
            dependencies: [
                "PostgresStore", "SQLiteStore", "StatusStore", "BroadcastModel", "EVMPrimitives", "Lifecycle",
                "PostgresTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The PostgreSQL engine's own tests reach its database directly.
                "BroadcasterConfig",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "PipelineTests",
            dependencies: [
                "Pipeline", "ABI", "BroadcastModel", "BroadcasterConfig", "ChainRPC", "DevChainSupport",
                "EVMKeys", "EVMPrimitives", "EVMSigning", "Kafka", "KafkaTestSupport", "SQLiteStore", "StatusStore",
                "Admission", "Lifecycle",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "BigInt", package: "BigInt"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "ABI", "BroadcastModel", "BroadcasterConfig", "EVMKeys", "EVMPrimitives", "EVMSigning", "Kafka", "KafkaTestSupport", "RequestTopic", "SQLiteStore", "StatusStore",
                "ChainRPC", "DevChainSupport", "Lifecycle", "Pipeline",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "AdminAccessTests",
            dependencies: [
                "AdminAccess", "BroadcasterConfig",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "AdminActionsTests",
            dependencies: [
                "AdminActions", "ABI", "Admission", "BroadcastModel", "BroadcasterConfig", "ChainRPC", "DevChainSupport",
                "EVMKeys", "EVMPrimitives", "EVMSigning", "Kafka", "KafkaTestSupport", "Lifecycle", "RequestTopic", "SQLiteStore", "StatusStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "AdminDashboardTests",
            dependencies: [
                "AdminDashboard", "AdminAccess", "AdminActions", "ABI", "BroadcastModel", "BroadcasterConfig",
                "EVMPrimitives", "Lifecycle", "SQLiteStore", "StatusStore",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Lifecycle",
                "BroadcastModel", "ChainRPC", "DevChainSupport", "EVMPrimitives", "EVMSigning", "KafkaTestSupport",
                "SQLiteStore", "StatusStore", "StoreEngines", "BroadcasterConfig", "PostgresTestSupport",
                // The results topic read back (Kafka) and the store's file read directly (GRDB).
                "Kafka",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The real `broadcaster api` process on a real broker, attacked: hostile headers, bodies,
        // framing and slow clients, each row with its status and error code.
        .testTarget(
            name: "HostileInputTests",
            dependencies: [
                "DevChainSupport", "EVMPrimitives", "KafkaTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "ChainRPC", "EVMSigning", "EVMPrimitives", "ABI", "DevChainSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "BigInt", package: "BigInt"),
            ]
        ),
    ]
)

// libFuzzer targets (Fuzz/README.md), only in the separate fuzz build of scripts/fuzz: they have
// no main of their own (libFuzzer's is linked in by -sanitize=fuzzer), so the normal build
// cannot link them.
if ProcessInfo.processInfo.environment["BROADCASTER_FUZZ"] == "1" {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzSignatureCalldata", ["ABI", "EVMPrimitives"]),
        ("FuzzRLP", ["EVMPrimitives", "EVMSigning", .product(name: "BigInt", package: "BigInt")]),
        ("FuzzTransactionObject", ["EVMPrimitives", "EVMSigning", "StrictJSON"]),
        ("FuzzKeystore", ["EVMKeys", "EVMPrimitives", "EVMSigning", "StrictJSON"]),
        ("FuzzStrictJSON", ["StrictJSON"]),
    ]
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/Support"))
    for (name, dependencies) in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: name, dependencies: dependencies + ["FuzzSupport"], path: "Fuzz/Targets/\(name)",
                swiftSettings: [.unsafeFlags(["-parse-as-library"])]
            )
        )
        package.products.append(.executable(name: name, targets: [name]))
    }
}

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ]
}
