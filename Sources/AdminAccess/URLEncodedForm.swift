import Foundation
import Hummingbird

/// `application/x-www-form-urlencoded`, read strictly: every pair has `=`, names and values
/// percent-decode to UTF-8, nothing else.
public enum URLEncodedForm {
    /// The field a form carries the session's CSRF token in.
    public static let csrfField = "csrf_token"

    public struct Field: Equatable, Sendable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public enum Problem: Error, Equatable, Sendable {
        case notUTF8
        case pairWithoutEquals
        case badPercentEncoding
        /// A field the form does not have, or one given twice.
        case unexpected(String)
        case missing(String)
    }

    public static func isForm(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return type == "application/x-www-form-urlencoded"
    }

    public static func parse(_ buffer: ByteBuffer) throws(Problem) -> [Field] {
        guard let text = String(validating: Array(buffer.readableBytesView), as: UTF8.self) else {
            throw .notUTF8
        }
        return try parse(text)
    }

    public static func parse(_ text: String) throws(Problem) -> [Field] {
        guard !text.isEmpty else { return [] }
        return try text.split(separator: "&", omittingEmptySubsequences: false).map { pair throws(Problem) -> Field in
            guard let equals = pair.firstIndex(of: "=") else { throw .pairWithoutEquals }
            return Field(name: try decode(pair[..<equals]), value: try decode(pair[pair.index(after: equals)...]))
        }
    }

    /// The fields as a dictionary, refusing any name outside `allowed` and any name given twice.
    public static func unique(_ fields: [Field], allowed: Set<String>) throws(Problem) -> [String: String] {
        var result: [String: String] = [:]
        for field in fields {
            guard allowed.contains(field.name), result[field.name] == nil else { throw .unexpected(field.name) }
            result[field.name] = field.value
        }
        return result
    }

    private static func decode(_ part: Substring) throws(Problem) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        guard let decoded = spaced.removingPercentEncoding else { throw .badPercentEncoding }
        return decoded
    }
}
