import BigInt
import EVMPrimitives

/// Reads the fields of one JSON transaction object, turning every failure into a
/// `TransactionObjectError` that names the field.
struct TransactionObjectReader {
    enum Field: String, CodingKey, CaseIterable {
        case type, chainId, nonce, to, value, gas, gasPrice, maxFeePerGas, maxPriorityFeePerGas
        case data, input, accessList
    }

    private let container: KeyedDecodingContainer<Field>
    private let path: [any CodingKey]

    init(_ decoder: any Decoder) throws(TransactionObjectError) {
        path = decoder.codingPath
        do {
            try rejectUnknownKeys(in: decoder, allowed: Field.allCases.map(\.rawValue))
            container = try decoder.container(keyedBy: Field.self)
        } catch let error as TransactionObjectError {
            throw error
        } catch {
            throw TransactionObjectError(field: nil, reason: "expected a JSON object with the transaction fields")
        }
    }

    func has(_ field: Field) -> Bool {
        // A null counts as absent, as in JSON-RPC.
        container.contains(field) && (try? container.decodeNil(forKey: field)) == false
    }

    func error(_ field: Field, _ reason: String) -> TransactionObjectError {
        TransactionObjectError(field: fieldName(path + [field]), reason: reason)
    }

    func required<T>(_ field: Field, _ value: T?) throws(TransactionObjectError) -> T {
        guard let value else { throw error(field, "required but missing") }
        return value
    }

    func string(_ field: Field) throws(TransactionObjectError) -> String? {
        do {
            return try container.decodeIfPresent(String.self, forKey: field)
        } catch {
            throw self.error(field, "expected a string")
        }
    }

    /// A quantity that must fit in 64 bits (nonce, gas, chain id, type).
    func quantity(_ field: Field) throws(TransactionObjectError) -> UInt64? {
        guard let big = try bigQuantity(field) else { return nil }
        guard let value = UInt64(exactly: big) else { throw error(field, "exceeds 2^64 - 1") }
        return value
    }

    func wei(_ field: Field) throws(TransactionObjectError) -> Wei? {
        guard let big = try bigQuantity(field) else { return nil }
        guard let wei = Wei(exactly: big) else { throw error(field, "exceeds 2^256 - 1") }
        return wei
    }

    func address(_ field: Field) throws(TransactionObjectError) -> Address? {
        guard let text = try string(field) else { return nil }
        do {
            return try Address(text)
        } catch {
            throw self.error(field, "\(error); omit the field or use null to create a contract")
        }
    }

    /// `data`, or its JSON-RPC alias `input`; both may be given only if they agree.
    func calldata() throws(TransactionObjectError) -> Calldata {
        let data = try hexBytes(.data)
        let input = try hexBytes(.input)
        if let data, let input, data != input {
            throw error(.input, "differs from \"data\"; give only one of them")
        }
        return Calldata(data ?? input ?? [])
    }

    func accessList() throws(TransactionObjectError) -> AccessList {
        do {
            return try container.decodeIfPresent([AccessListEntryObject].self, forKey: .accessList)?.map(\.entry) ?? []
        } catch let error as TransactionObjectError {
            throw error
        } catch {
            throw self.error(.accessList, "expected an array of {\"address\", \"storageKeys\"} objects")
        }
    }

    private func hexBytes(_ field: Field) throws(TransactionObjectError) -> [UInt8]? {
        guard let text = try string(field) else { return nil }
        do {
            return try Hex.decode(text)
        } catch {
            throw self.error(field, "\(error)")
        }
    }

    private func bigQuantity(_ field: Field) throws(TransactionObjectError) -> BigUInt? {
        guard let text = try string(field) else { return nil }
        do {
            return try Quantity.parse(text)
        } catch {
            throw self.error(field, "\(error); expected a quantity such as \"0x1a\" or \"26\"")
        }
    }
}

/// One `accessList` element: `{"address": "0x…", "storageKeys": ["0x…", …]}`.
private struct AccessListEntryObject: Decodable {
    let entry: AccessListEntry

    private enum Field: String, CodingKey, CaseIterable {
        case address, storageKeys
    }

    init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: Field.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: Field.self)
        let path = decoder.codingPath
        func fail(_ key: any CodingKey, _ reason: String) -> TransactionObjectError {
            TransactionObjectError(field: fieldName(path + [key]), reason: reason)
        }
        guard let addressText = try? container.decode(String.self, forKey: .address) else {
            throw fail(Field.address, "required; expected a 0x-prefixed 20-byte address")
        }
        let address: Address
        do {
            address = try Address(addressText)
        } catch {
            throw fail(Field.address, "\(error)")
        }
        guard let keyTexts = try? container.decodeIfPresent([String].self, forKey: .storageKeys) else {
            if container.contains(.storageKeys), (try? container.decodeNil(forKey: .storageKeys)) != true {
                throw fail(Field.storageKeys, "expected an array of 0x-prefixed 32-byte hex strings")
            }
            entry = AccessListEntry(address: address)
            return
        }
        var keys: [StorageKey] = []
        for (index, text) in keyTexts.enumerated() {
            let key = IndexKey(index)
            guard let bytes = try? Hex.decode(text), let storageKey = StorageKey(bytes: bytes) else {
                throw TransactionObjectError(
                    field: fieldName(path + [Field.storageKeys, key]),
                    reason: "expected a 0x-prefixed 32-byte hex string (64 hex digits)"
                )
            }
            keys.append(storageKey)
        }
        entry = AccessListEntry(address: address, storageKeys: keys)
    }
}

/// Throws for the first key of the object at `decoder` that is not in `allowed`.
private func rejectUnknownKeys(in decoder: any Decoder, allowed: [String]) throws {
    let keys = try decoder.container(keyedBy: AnyKey.self).allKeys
    if let unknown = keys.first(where: { !allowed.contains($0.stringValue) }) {
        throw TransactionObjectError(
            field: fieldName(decoder.codingPath + [unknown]),
            reason: "unknown field; allowed fields are \(allowed.joined(separator: ", "))"
        )
    }
}

/// `accessList[0].storageKeys[1]` from a coding path.
private func fieldName(_ path: [any CodingKey]) -> String {
    path.reduce(into: "") { name, key in
        if let index = key.intValue {
            name += "[\(index)]"
        } else {
            name += name.isEmpty ? key.stringValue : ".\(key.stringValue)"
        }
    }
}

private struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int? = nil
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.intValue = intValue }
}
