import ABI
import Configuration
import EVMPrimitives
import Foundation

/// One kind of request callers may send: the function it calls, on which contract, signed by
/// which signers (one, or a pool the API spreads requests over).
public struct MessageTypeSettings: Hashable, Sendable {
    /// The configuration name, e.g. `add_weight`.
    public var name: String
    /// The signature as configured, e.g. `add_weight(address _addr, uint256 _weight)`.
    public var signature: FunctionSignature
    public var contract: Address
    /// Keys of `BroadcasterConfiguration.signers`, at least one, each once.
    public var signers: [String]
    public var gasLimit: Gas
    /// The one selector this type's calldata may start with.
    public var selectorRule: SelectorRule

    public init(
        name: String, signature: FunctionSignature, contract: Address, signers: [String],
        gasLimit: Gas = Gas(100_000), selectorRule: SelectorRule = .declared
    ) {
        self.name = name
        self.signature = signature
        self.contract = contract
        self.signers = signers
        self.gasLimit = gasLimit
        self.selectorRule = selectorRule
    }

    /// Reads one `messageTypes.<name>` node.
    ///
    /// ## Configuration keys
    /// - `signature` (string, required): the Solidity signature, names and spaces allowed.
    /// - `contract` (address, required): the contract the transactions call.
    /// - `signer` (string) or `signers` (list of strings), exactly one of them: the name(s) from
    ///   `signers.names` whose keys sign this type. With several, the API spreads requests over
    ///   them by request id (each sender keeps its own nonce order; Kafka's key is the sender).
    /// - `gasLimit` (integer 21000-30000000, default 100000).
    /// - `selector` (`0x` and 8 hex digits, default: the signature's own): the one selector the
    ///   data may start with, for a contract whose function is not keccak of `signature`.
    public init(name: String, reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        guard let text = try settings.string("signature"), !text.isEmpty else {
            throw ConfigurationError(key: ["signature"], reason: "missing; give the Solidity function signature, e.g. add_weight(address _addr, uint256 _weight)")
        }
        do {
            signature = try FunctionSignature(parsing: text)
        } catch {
            throw ConfigurationError(key: ["signature"], reason: "\"\(text)\": \(error)")
        }
        guard let contractText = try settings.string("contract") else {
            throw ConfigurationError(key: ["contract"], reason: "missing; give the 0x-prefixed address of the contract to call")
        }
        do {
            contract = try Address(contractText)
        } catch {
            throw ConfigurationError(key: ["contract"], reason: "\"\(contractText)\": \(error)")
        }
        switch (settings.isSet("signer"), settings.isSet("signers")) {
        case (true, true):
            throw ConfigurationError(key: ["signers"], reason: "both signer and signers are set; give one signer, or a list of signers for a pool")
        case (false, true):
            signers = try ConfigName.list(settings, key: "signers")
            guard !signers.isEmpty else {
                throw ConfigurationError(key: ["signers"], reason: "the list is empty; name at least one signer listed in signers.names")
            }
        case (_, false):
            guard let signer = try settings.string("signer"), !signer.isEmpty else {
                throw ConfigurationError(key: ["signer"], reason: "missing; give the name of a signer listed in signers.names (or signers: a list, for a pool)")
            }
            signers = [signer]
        }
        gasLimit = Gas(UInt64(try settings.int("gasLimit", default: 100_000, in: 21_000...30_000_000)))
        if settings.isSet("selectorPolicy") {
            throw ConfigurationError(key: ["selectorPolicy"], reason: "was removed: it let callers choose which function of the contract runs. Remove it; the data must now start with the signature's selector, or pin the one selector the contract really uses with selector: \"0x…\"")
        }
        if let text = try settings.string("selector") {
            do {
                selectorRule = .pinned(try Selector(hex: text))
            } catch {
                throw ConfigurationError(key: ["selector"], reason: "\(error); give the one 4-byte selector the data must start with, e.g. 0xd7136328")
            }
        } else {
            selectorRule = .declared
        }
        self.name = name
    }

    /// Reads the `messageTypes` node: `names`, then one node per name.
    static func readAll(reader: ConfigReader) throws(ConfigurationError) -> [MessageTypeSettings] {
        let names = try ConfigName.list(SettingsReader(reader), key: "names")
        var byCanonical: [String: String] = [:]
        var types: [MessageTypeSettings] = []
        for name in names {
            let type = try scoped(name) { () throws(ConfigurationError) -> MessageTypeSettings in
                try MessageTypeSettings(name: name, reader: reader.scoped(to: ConfigKey([name])))
            }
            if let other = byCanonical[type.signature.canonical] {
                throw ConfigurationError(key: [name, "signature"], reason: "it is \(type.signature.canonical) once canonicalized, like messageTypes.\(other).signature; callers could not tell them apart, so remove one")
            }
            byCanonical[type.signature.canonical] = name
            types.append(type)
        }
        return types
    }
}
