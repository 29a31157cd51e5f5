import ABI
import AdminAccess
import AdminActions
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import Lifecycle
import NIOCore
import StatusStore

/// What the one search box's text is taken as, tried in this order:
/// - `0x` and 40 hex digits: an address, the sender (`contract=` filters by contract instead);
/// - `0x` and 8 hex digits: a 4-byte function selector;
/// - `0x` and 9-64 hex digits: a prefix of any hash the request was ever sent under;
/// - 8-36 hex digits and dashes: a request id prefix, and if none matches, an Idempotency-Key;
/// - anything else of 1-255 visible ASCII characters: an Idempotency-Key, hashed as the API
///   hashes it with the given caller or, without one, with each configured caller.
enum SearchBox {
    enum Interpretation: Equatable, Sendable {
        case sender(Address)
        case selector(FunctionSelector)
        case hash(RequestSearch)
        case id(RequestSearch, orKey: String?)
        case idempotencyKey(String)
        case invalid(String)

        var label: String {
            switch self {
            case .sender: "sender address"
            case .selector: "function selector"
            case .hash: "transaction hash prefix"
            case .id: "request id prefix"
            case .idempotencyKey: "Idempotency-Key"
            case .invalid: "nothing searchable"
            }
        }
    }

    static func interpret(_ text: String) -> Interpretation {
        let lower = text.lowercased()
        if lower.hasPrefix("0x") {
            let digits = lower.dropFirst(2)
            if digits.count == 40, let address = try? Address(text) { return .sender(address) }
            if digits.count == 8, let selector = FunctionSelector(text) { return .selector(selector) }
            if let search = RequestSearch.hash(prefix: lower) { return .hash(search) }
        }
        if let search = RequestSearch.id(prefix: lower) { return .id(search, orKey: keyText(text)) }
        if let key = keyText(text) { return .idempotencyKey(key) }
        return .invalid("search for a request id (8 or more characters), a 0x hash (8 or more hex digits), an address, a 0x selector of 8 hex digits, or an Idempotency-Key (1-255 visible ASCII characters)")
    }

    /// The text if it can be an Idempotency-Key, as the API accepts one.
    static func keyText(_ text: String) -> String? {
        IdempotencyKeyDigest.isKey(text) ? text : nil
    }

    /// The store searches for an Idempotency-Key: one per caller name.
    static func keySearches(_ key: String, callers: [String]) -> [RequestSearch] {
        callers.map { RequestSearch.idempotencyKey(hash: IdempotencyKeyDigest.digest(caller: $0, key: key)) }
    }
}
