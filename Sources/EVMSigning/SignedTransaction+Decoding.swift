import BigInt
import EVMPrimitives

extension SignedTransaction {
    /// Parses a raw signed transaction (legacy, with or without EIP-155, or type 0x2), checks
    /// canonical RLP and a low-s signature, and recovers the sender.
    public static func decode(raw: some Collection<UInt8>) throws(TransactionDecodingError) -> SignedTransaction {
        let raw = Array(raw)
        guard let first = raw.first else { throw .empty }
        let transaction: UnsignedTransaction
        let signature: Signature
        switch first {
        case EIP1559Transaction.typeByte:
            (transaction, signature) = try decodeEIP1559(list(raw.dropFirst(), expecting: 12))
        case 0xc0...:
            (transaction, signature) = try decodeLegacy(list(raw[...], expecting: 9))
        case ...0x7f:
            throw .unsupportedType(first)
        default:
            throw .malformed("first byte 0x\(String(first, radix: 16)) is neither a transaction type nor an RLP list")
        }
        // Decoding already rejects non-canonical forms; re-encoding is the cheap proof that
        // the hash and signature below cover exactly these bytes.
        guard transaction.raw(signedWith: signature) == raw else {
            throw .malformed("bytes do not re-encode identically (non-canonical encoding)")
        }
        guard let publicKey = Secp256k1.recoverPublicKey(hash: transaction.signingHash, signature: signature) else {
            throw .invalidSignature("no public key recovers from this signature")
        }
        return SignedTransaction(transaction: transaction, signature: signature, raw: raw, from: Address(publicKey: publicKey))
    }

    private static func list(_ bytes: ArraySlice<UInt8>, expecting count: Int) throws(TransactionDecodingError) -> [RLPItem] {
        let items: [RLPItem]
        do {
            items = try RLPItem.decode(bytes).asList()
        } catch {
            throw .malformed(error.description)
        }
        guard items.count == count else {
            throw .malformed("expected a list of \(count) fields, got \(items.count)")
        }
        return items
    }

    private static func decodeLegacy(_ f: [RLPItem]) throws(TransactionDecodingError) -> (UnsignedTransaction, Signature) {
        let v = try bigUInt(f[6], "v")
        let chainID: ChainID?
        let yParity: UInt64
        if v == 27 || v == 28 {
            chainID = nil
            yParity = UInt64(v - 27)
        } else if v >= 35, let id = UInt64(exactly: (v - 35) / 2) {
            chainID = ChainID(id)
            yParity = UInt64((v - 35) % 2)
        } else {
            throw .invalidSignature("v must be 27, 28 or chainId * 2 + 35/36 with a 64-bit chain id, got \(v)")
        }
        let transaction = LegacyTransaction(
            chainID: chainID,
            nonce: Nonce(try uint64(f[0], "nonce")),
            gasPrice: try wei(f[1], "gasPrice"),
            gas: Gas(try uint64(f[2], "gas")),
            to: try address(f[3]),
            value: try wei(f[4], "value"),
            data: Calldata(try bytes(f[5], "data"))
        )
        let signature = try Signature(r: integer(f[7], "r"), s: integer(f[8], "s"), yParity: yParity)
        return (.legacy(transaction), signature)
    }

    private static func decodeEIP1559(_ f: [RLPItem]) throws(TransactionDecodingError) -> (UnsignedTransaction, Signature) {
        let transaction = EIP1559Transaction(
            chainID: ChainID(try uint64(f[0], "chainId")),
            nonce: Nonce(try uint64(f[1], "nonce")),
            maxPriorityFeePerGas: try wei(f[2], "maxPriorityFeePerGas"),
            maxFeePerGas: try wei(f[3], "maxFeePerGas"),
            gas: Gas(try uint64(f[4], "gas")),
            to: try address(f[5]),
            value: try wei(f[6], "value"),
            data: Calldata(try bytes(f[7], "data")),
            accessList: try accessList(f[8])
        )
        let signature = try Signature(r: integer(f[10], "r"), s: integer(f[11], "s"), yParity: uint64(f[9], "yParity"))
        return (.eip1559(transaction), signature)
    }

    private static func accessList(_ item: RLPItem) throws(TransactionDecodingError) -> AccessList {
        let entries = try decoding("accessList") { () throws(RLPError) in try item.asList() }
        var result: AccessList = []
        result.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            let name = "accessList[\(index)]"
            let pair = try decoding(name) { () throws(RLPError) in try entry.asList() }
            guard pair.count == 2 else { throw .field(name, "expected [address, storageKeys]") }
            let addressBytes = try bytes(pair[0], "\(name).address")
            guard let address = try? Address(bytes: addressBytes) else {
                throw .field("\(name).address", "expected 20 bytes, got \(addressBytes.count)")
            }
            let keyItems = try decoding("\(name).storageKeys") { () throws(RLPError) in try pair[1].asList() }
            var keys: [StorageKey] = []
            keys.reserveCapacity(keyItems.count)
            for (keyIndex, keyItem) in keyItems.enumerated() {
                let keyName = "\(name).storageKeys[\(keyIndex)]"
                let keyBytes = try bytes(keyItem, keyName)
                guard let key = StorageKey(bytes: keyBytes) else {
                    throw .field(keyName, "expected 32 bytes, got \(keyBytes.count)")
                }
                keys.append(key)
            }
            result.append(AccessListEntry(address: address, storageKeys: keys))
        }
        return result
    }

    private static func address(_ item: RLPItem) throws(TransactionDecodingError) -> Address? {
        let raw = try bytes(item, "to")
        if raw.isEmpty { return nil }
        guard let address = try? Address(bytes: raw) else {
            throw .field("to", "expected 20 bytes or empty (contract creation), got \(raw.count) bytes")
        }
        return address
    }

    private static func wei(_ item: RLPItem, _ name: String) throws(TransactionDecodingError) -> Wei {
        guard let wei = Wei(exactly: try bigUInt(item, name)) else {
            throw .field(name, "exceeds 2^256 - 1")
        }
        return wei
    }

    /// r or s: a canonical integer of at most 32 bytes (range checks happen in `Signature`).
    private static func integer(_ item: RLPItem, _ name: String) throws(TransactionDecodingError) -> [UInt8] {
        let raw = try bytes(item, name)
        guard raw.first != 0 else { throw .field(name, "integer has leading zero bytes") }
        guard raw.count <= 32 else { throw .field(name, "longer than 32 bytes") }
        return raw
    }

    private static func uint64(_ item: RLPItem, _ name: String) throws(TransactionDecodingError) -> UInt64 {
        try decoding(name) { () throws(RLPError) in try item.asUInt64() }
    }

    private static func bigUInt(_ item: RLPItem, _ name: String) throws(TransactionDecodingError) -> BigUInt {
        try decoding(name) { () throws(RLPError) in try item.asBigUInt() }
    }

    private static func bytes(_ item: RLPItem, _ name: String) throws(TransactionDecodingError) -> [UInt8] {
        try decoding(name) { () throws(RLPError) in try item.asBytes() }
    }

    private static func decoding<T>(_ name: String, _ body: () throws(RLPError) -> T) throws(TransactionDecodingError) -> T {
        do {
            return try body()
        } catch {
            throw .field(name, error)
        }
    }
}
