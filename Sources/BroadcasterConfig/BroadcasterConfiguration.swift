import ABI
import BroadcastModel
import Configuration
import EVMKeys
import EVMPrimitives
import Foundation

/// Everything the API and the workers are configured with: one tree, each node with defaults.
///
/// ```swift
/// let configuration = try await BroadcasterConfiguration.load(configFile: "Config/broadcaster.json")
/// configuration.kafka.brokers  // "127.0.0.1:9092", unless BROADCASTER_KAFKA_BROKERS says otherwise
/// ```
public struct BroadcasterConfiguration: Sendable {
    public var kafka = KafkaSettings()
    public var rpc = RPCSettings()
    public var retry = RetryPolicy()
    public var store = StoreSettings()
    public var api = APISettings()
    public var worker = WorkerSettings()
    public var fees = FeeSettings()
    public var tracking = TrackingSettings()
    public var admin = AdminSettings()
    /// Signer name -> where its key comes from.
    public var signers: [String: KeySource] = [:]
    /// Signer name -> its address, the sender of its message types' transactions.
    public var signerAddresses: [String: Address] = [:]
    public var messageTypes: [MessageTypeSettings] = [] {
        didSet {
            index = Self.index(messageTypes)
            spellings = index
        }
    }
    private var index: [String: Int] = [:]
    /// Texts known to name a message type without parsing them: the canonical forms and the
    /// signatures as the configuration file wrote them (what callers usually send).
    private var spellings: [String: Int] = [:]

    /// The defaults: no signers and no message types.
    public init() {}

    /// Reads the whole tree (see `Config/README.md` for every key) and checks it as a whole:
    /// every message type's signer must be configured. Relative paths (key files, keystores,
    /// password files, the store) resolve as `paths` says.
    ///
    /// ## Configuration keys
    /// `kafka.*` (`KafkaSettings`), `rpc.*` (`RPCSettings`), `retry.*` (`RetryPolicy`),
    /// `store.*` (`StoreSettings`), `api.*` (`APISettings`), `worker.*` (`WorkerSettings`),
    /// `fees.*` (`FeeSettings`), `tracking.*` (`TrackingSettings`), `admin.*` (`AdminSettings`), `signers.*`, `messageTypes.*` (`MessageTypeSettings`).
    public init(reader: ConfigReader, paths: ConfigPaths = .workingDirectory) throws(ConfigurationError) {
        kafka = try scoped("kafka") { () throws(ConfigurationError) in try KafkaSettings(reader: reader.scoped(to: "kafka")) }
        rpc = try scoped("rpc") { () throws(ConfigurationError) in try RPCSettings(reader: reader.scoped(to: "rpc")) }
        retry = try scoped("retry") { () throws(ConfigurationError) in try RetryPolicy(reader: reader.scoped(to: "retry")) }
        store = try scoped("store") { () throws(ConfigurationError) in try StoreSettings(reader: reader.scoped(to: "store")) }
        store.path = paths.resolve(store.path, key: ["store", "path"])
        if case .file(let passwordFile) = store.postgres?.password {
            store.postgres?.password = .file(paths.resolve(passwordFile, key: ["store", "passwordFile"]))
        }
        api = try scoped("api") { () throws(ConfigurationError) in try APISettings(reader: reader.scoped(to: "api")) }
        worker = try scoped("worker") { () throws(ConfigurationError) in try WorkerSettings(reader: reader.scoped(to: "worker")) }
        fees = try scoped("fees") { () throws(ConfigurationError) in try FeeSettings(reader: reader.scoped(to: "fees")) }
        tracking = try scoped("tracking") { () throws(ConfigurationError) in try TrackingSettings(reader: reader.scoped(to: "tracking")) }
        admin = try scoped("admin") { () throws(ConfigurationError) in try AdminSettings(reader: reader.scoped(to: "admin")) }
        (signers, signerAddresses) = try scoped("signers") { () throws(ConfigurationError) in
            try SignerSettings.read(reader: reader.scoped(to: "signers"), paths: paths)
        }
        let types = try scoped("messageTypes") { () throws(ConfigurationError) in
            try MessageTypeSettings.readAll(reader: reader.scoped(to: "messageTypes"))
        }
        for type in types {
            for signer in type.signers where signers[signer] == nil {
                let known = signers.keys.sorted().joined(separator: ", ")
                throw ConfigurationError(
                    key: ["messageTypes", type.name, type.signers.count == 1 ? "signer" : "signers"],
                    reason: "\"\(signer)\" is not a configured signer (configured: \(known.isEmpty ? "none" : known)); add it to signers.names with a key source, or name another")
            }
        }
        messageTypes = types
        index = Self.index(types)
        spellings = index
        let typesReader = reader.scoped(to: "messageTypes")
        for (position, type) in types.enumerated() {
            // Read again as MessageTypeSettings read it, so it parses to this very type.
            if let text = try? SettingsReader(typesReader.scoped(to: ConfigKey([type.name]))).string("signature"), spellings[text] == nil {
                spellings[text] = position
            }
        }
    }

    /// The message type a caller's `message_type` names, written either as configured or in any
    /// other spelling of the same signature (`add_weight(address,uint256)`).
    ///
    /// Throws the parse error when the text is not a signature at all; nil when it is one that
    /// is not configured.
    ///
    /// A configured spelling or canonical form is looked up as it is; only other texts are parsed.
    public func messageType(for text: String) throws(SignatureError) -> MessageTypeSettings? {
        if let known = spellings[text] { return messageTypes[known] }
        let canonical = try FunctionSignature(parsing: text).canonical
        return index[canonical].map { messageTypes[$0] }
    }

    /// The message type whose canonical signature is `canonical` (`add_weight(address,uint256)`).
    public func messageType(canonical: String) -> MessageTypeSettings? {
        index[canonical].map { messageTypes[$0] }
    }

    /// The addresses that send `type`'s transactions, or which signer's address is missing.
    public func senders(of type: MessageTypeSettings) -> Result<SenderPool, MissingSenderAddress> {
        var addresses: [Address] = []
        for signer in type.signers {
            guard let address = signerAddresses[signer] else {
                return .failure(MissingSenderAddress("message type \(type.name) has no sender address configured (signers.\(signer).address)"))
            }
            addresses.append(address)
        }
        guard let pool = SenderPool(addresses) else {
            return .failure(MissingSenderAddress("message type \(type.name) names no signer (messageTypes.\(type.name).signer)"))
        }
        return .success(pool)
    }

    private static func index(_ types: [MessageTypeSettings]) -> [String: Int] {
        Dictionary(types.enumerated().map { ($1.signature.canonical, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

extension BroadcasterConfiguration {
    /// The providers in priority order: environment variables (`BROADCASTER_` + the key in
    /// upper snake case), then the JSON file, then the defaults in code. Relative paths in the
    /// file resolve against the file's folder; relative paths in the environment against the
    /// working directory.
    ///
    /// - Parameters:
    ///   - configFile: the JSON file; nil reads none.
    ///   - requireFile: fail when the file is missing (true when the operator named it).
    ///   - environment: the variables to read, the process's own by default.
    public static func load(
        configFile: String?, requireFile: Bool = true,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(ConfigurationError) -> BroadcasterConfiguration {
        let environmentProvider = EnvironmentVariablesProvider(environmentVariables: environment)
            .prefixKeys(with: ConfigKey(EnvironmentName.prefix))
        var providers: [any ConfigProvider] = [environmentProvider]
        var paths = ConfigPaths.workingDirectory
        if let configFile {
            if !FileManager.default.fileExists(atPath: configFile) && requireFile {
                throw ConfigurationError(key: [], reason: "the configuration file \(configFile) does not exist; pass --config PATH with the right path")
            }
            let location = ConfigReader(provider: InMemoryProvider(values: [
                "filePath": ConfigValue(.string(configFile), isSecret: false),
                "allowMissing": ConfigValue(.bool(!requireFile), isSecret: false),
            ]))
            do {
                providers.append(try await FileProvider<JSONSnapshot>(config: location))
                paths = ConfigPaths(configFile: configFile, overrides: ConfigReader(provider: environmentProvider))
            } catch {
                throw ConfigurationError(key: [], reason: "the configuration file \(configFile) cannot be read as a JSON object: \(error)")
            }
        }
        return try BroadcasterConfiguration(reader: ConfigReader(providers: providers), paths: paths)
    }
}
