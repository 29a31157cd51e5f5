import EVMPrimitives

/// A validated secp256k1 private key, with its public key and Ethereum address.
///
/// Its text forms are redacted and it is deliberately not `Codable`, so the secret cannot leak
/// through logging, string interpolation or serialization.
public struct PrivateKey: Sendable {
    /// The 32 secret bytes; internal so only this module's signing code reads them.
    let secret: [UInt8]
    /// The 65-byte uncompressed public key: 0x04 || x || y.
    public let publicKey: [UInt8]
    /// The address: the last 20 bytes of keccak256(x || y).
    public let address: Address

    /// Accepts exactly 32 bytes encoding an integer in [1, n-1].
    public init(bytes: some Collection<UInt8>) throws(KeyError) {
        let secret = Array(bytes)
        guard secret.count == 32 else { throw .wrongLength(secret.count, unit: "bytes") }
        guard Secp256k1.isValidSecretKey(secret) else { throw .outOfRange }
        self.secret = secret
        self.publicKey = Secp256k1.publicKey(secretKey: secret)
        self.address = Address(publicKey: publicKey)
    }

    /// Accepts 64 hex digits, with or without a 0x prefix; surrounding whitespace is ignored.
    public init(hex: some StringProtocol) throws(KeyError) {
        var text = Substring(hex).drop(while: \.isWhitespace)
        while text.last?.isWhitespace == true { text.removeLast() }
        if text.hasPrefix("0x") || text.hasPrefix("0X") { text = text.dropFirst(2) }
        guard text.utf8.count == 64 else {
            // Counting digits reveals nothing a wrong-length error would not already imply.
            throw .wrongLength(text.utf8.count, unit: "hex digits")
        }
        let bytes: [UInt8]
        do {
            bytes = try Hex.decode(text, requirePrefix: false)
        } catch {
            // HexError may quote the offending characters, which are part of the secret.
            throw .notHex
        }
        try self.init(bytes: bytes)
    }
}

extension PrivateKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "PrivateKey(<redacted>, address \(address.checksummed))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["address": address], displayStyle: .struct) }
}

extension Address {
    /// The address owning an uncompressed (65-byte) public key.
    init(publicKey: [UInt8]) {
        precondition(publicKey.count == 65 && publicKey[0] == 0x04)
        let digest = Keccak256.hash(publicKey[1...])
        // 20 bytes by construction, so the initializer cannot throw.
        self = try! Address(bytes: digest[12...])
    }
}
