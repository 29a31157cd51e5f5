import EVMPrimitives
import StrictJSON

/// One JSON object of a keystore, with accessors whose errors name the field by its dotted path.
///
/// The document is read by `StrictJSONParser`: a key given twice (which readers resolve
/// differently, so one file could mean two keys) and bytes after the object are refused.
struct KeystoreObject {
    let path: String
    let object: JSONObject

    /// A keystore is about 500 bytes; ethers' with its metadata about 1 KiB.
    static let maximumDocumentSize = 16 * 1024
    /// The deepest keystore (crypto.kdfparams) nests 3 levels; wallets' metadata a little more.
    static let maximumDepth = 16
    /// Longer numbers are shown shortened in errors.
    private static let shownNumberLength = 24

    /// The top-level object of a keystore document.
    init(parsing json: [UInt8]) throws(KeyLoadError) {
        guard json.count <= Self.maximumDocumentSize else {
            throw KeyLoadError(
                .malformedKeystore,
                "the document is \(json.count) bytes; a keystore is at most \(Self.maximumDocumentSize) bytes, so this is not one"
            )
        }
        let value: JSONValue
        do {
            value = try StrictJSONParser(maxDepth: Self.maximumDepth).parse(json)
        } catch {
            throw KeyLoadError(.malformedKeystore, "not valid JSON: \(error)")
        }
        guard case .object(let object) = value else {
            throw KeyLoadError(.malformedKeystore, "expected a JSON object at the top level, found \(value.kind)")
        }
        self.init(path: "", object: object)
    }

    private init(path: String, object: JSONObject) {
        self.path = path
        self.object = object
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func has(_ key: String) -> Bool { object[key] != nil }

    /// Refuses any key outside `allowed` that does not start with `extensionPrefix`.
    func requireOnly(_ allowed: [String], extensionPrefix: String? = nil) throws(KeyLoadError) {
        let isAllowed = { (key: String) in allowed.contains(key) || extensionPrefix.map(key.hasPrefix) == true }
        guard let unknown = object.keys.first(where: { !isAllowed($0) }) else { return }
        let place = path.isEmpty ? "the keystore" : "field \(path)"
        let extensions = extensionPrefix.map { " and fields named \($0)…" } ?? ""
        throw KeyLoadError(
            .malformedKeystore,
            "unknown field \(fieldPath(unknown)); \(place) has only \(allowed.joined(separator: ", "))\(extensions)"
        )
    }

    func object(_ key: String) throws(KeyLoadError) -> KeystoreObject {
        guard case .object(let members) = try value(key) else { throw wrongType(key, expected: "an object") }
        return KeystoreObject(path: fieldPath(key), object: members)
    }

    func string(_ key: String) throws(KeyLoadError) -> String {
        guard case .string(let text) = try value(key) else { throw wrongType(key, expected: "a string") }
        return text
    }

    /// An integer field within `bounds`; `code` is the error for a value outside them.
    func integer(
        _ key: String, in bounds: ClosedRange<Int>, code: KeyLoadError.Code = .kdfParametersOutOfBounds
    ) throws(KeyLoadError) -> Int {
        guard case .number(let literal) = try value(key) else { throw wrongType(key, expected: "an integer") }
        let digits = literal.hasPrefix("-") ? literal.dropFirst() : Substring(literal)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw KeyLoadError(.malformedKeystore, "field \(fieldPath(key)) must be an integer, found \(Self.shown(literal))")
        }
        // Too many digits for an Int is outside any bound.
        guard let number = Int(literal), bounds.contains(number) else {
            throw KeyLoadError(
                code,
                "field \(fieldPath(key)) must be between \(bounds.lowerBound) and \(bounds.upperBound), found \(Self.shown(literal))"
            )
        }
        return number
    }

    /// A hex string field (with or without "0x") of `count` bytes.
    func hexBytes(_ key: String, count: Int) throws(KeyLoadError) -> [UInt8] {
        try hexBytes(key, count: count...count) { found in "has \(found) bytes, expected \(count)" }
    }

    /// A hex string field (with or without "0x") whose byte length is in `counts`; `rule` says
    /// what is wrong with a length outside them. The length is checked before decoding.
    func hexBytes(
        _ key: String, count counts: ClosedRange<Int>, code: KeyLoadError.Code = .malformedKeystore,
        rule: (Int) -> String
    ) throws(KeyLoadError) -> [UInt8] {
        var text = Substring(try string(key))
        if text.hasPrefix("0x") || text.hasPrefix("0X") { text = text.dropFirst(2) }
        let length = text.utf8.count / 2
        guard text.utf8.count % 2 == 1 || counts.contains(length) else { throw KeyLoadError(code, "field \(fieldPath(key)) \(rule(length))") }
        let bytes: [UInt8]
        do {
            bytes = try Hex.decode(text, requirePrefix: false)
        } catch {
            throw KeyLoadError(.malformedKeystore, "field \(fieldPath(key)) is not hex: \(error)")
        }
        return bytes
    }

    private func value(_ key: String) throws(KeyLoadError) -> JSONValue {
        guard let value = object[key] else {
            throw KeyLoadError(.malformedKeystore, "missing field \(fieldPath(key))")
        }
        return value
    }

    private func wrongType(_ key: String, expected: String) -> KeyLoadError {
        let found = object[key]?.kind ?? "nothing"
        return KeyLoadError(.malformedKeystore, "field \(fieldPath(key)) must be \(expected), found \(found)")
    }

    private static func shown(_ literal: String) -> String {
        literal.count <= shownNumberLength ? literal : "\(literal.prefix(shownNumberLength))… (\(literal.count) characters)"
    }
}
