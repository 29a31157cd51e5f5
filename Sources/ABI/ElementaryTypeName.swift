/// Turns a single type word (`uint`, `bytes32`, `address`, …) into an `ABIType`.
enum ElementaryTypeName {
    /// `offset` is where the word starts in the signature, for error positions.
    static func parse(_ word: String, at offset: Int) throws(SignatureError) -> ABIType {
        func failure(_ code: SignatureError.Code, _ reason: String) -> SignatureError {
            SignatureError(code: code, position: offset + 1, reason: reason)
        }
        switch word {
        case "uint": return .uint(bits: 256)
        case "int": return .int(bits: 256)
        case "address": return .address
        case "bool": return .bool
        case "bytes": return .bytes
        case "string": return .string
        case "byte":
            throw failure(.unknownType, "unknown type \"byte\": it was an alias of bytes1, removed from Solidity; write bytes1")
        case "function":
            throw failure(.unsupportedType, "type \"function\" (external function pointers) is not supported")
        default: break
        }
        if word.hasPrefix("fixed") || word.hasPrefix("ufixed") {
            throw failure(.unsupportedType, "type \"\(word)\" is not supported: fixed-point numbers are not implemented in Solidity; pass a scaled integer such as int256")
        }
        for (prefix, range, unit) in [("uint", 8...256, "bits"), ("int", 8...256, "bits"), ("bytes", 1...32, "bytes")] {
            guard word.hasPrefix(prefix), let size = sizeSuffix(of: word, after: prefix) else { continue }
            let step = unit == "bits" ? 8 : 1
            guard let value = Int(size), size.first != "0", range.contains(value), value % step == 0 else {
                let rule = unit == "bits" ? "a multiple of 8 from 8 to 256" : "from 1 to 32"
                throw failure(.invalidSize, "type \"\(word)\" has an invalid size: \(prefix)N needs N \(rule)")
            }
            switch prefix {
            case "uint": return .uint(bits: value)
            case "int": return .int(bits: value)
            default: return .fixedBytes(count: value)
            }
        }
        throw failure(.unknownType, "unknown type \"\(word)\": give the ABI type (address for contracts and interfaces, uint8 for enums, a tuple for structs)")
    }

    /// Whether `word` is spelled like an elementary type, valid or not; such a word is never a parameter name.
    static func looksLikeType(_ word: String) -> Bool {
        if ["uint", "int", "address", "bool", "bytes", "string", "byte", "function"].contains(word) { return true }
        if word.hasPrefix("fixed") || word.hasPrefix("ufixed") { return true }
        return ["uint", "int", "bytes"].contains { word.hasPrefix($0) && sizeSuffix(of: word, after: $0) != nil }
    }

    /// The digits after `prefix` when the rest of the word is only digits.
    private static func sizeSuffix(of word: String, after prefix: String) -> Substring? {
        let rest = word.dropFirst(prefix.count)
        return !rest.isEmpty && rest.allSatisfy(\.isASCIIDigit) ? rest : nil
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
