import BroadcastModel
import EVMPrimitives
import Foundation

/// A `RequestQuery` as a bulk retry freezes it: JSON that reads back as the same query, so an
/// operation's filter never changes with a reload or a new build's defaults.
package struct FrozenQuery: Codable, Equatable {
    package var statuses: [String]
    package var sender: String?
    package var contract: String?
    package var selector: String?
    package var messageType: String?
    package var createdFromMillis: Int64?
    package var createdBeforeMillis: Int64?
    package var searchKind: String?
    package var searchValue: String?

    package init(_ query: RequestQuery) {
        statuses = query.statuses.map(\.rawValue).sorted()
        sender = query.sender?.checksummed
        contract = query.contract?.checksummed
        selector = query.selector?.description
        messageType = query.messageType
        createdFromMillis = query.createdFrom.map(StoredTime.millis)
        createdBeforeMillis = query.createdBefore.map(StoredTime.millis)
        switch query.search?.kind {
        case .idPrefix(let text):
            searchKind = "id_prefix"
            searchValue = text
        case .hashPrefix(let text):
            searchKind = "hash_prefix"
            searchValue = text
        case .idempotencyKey(let hash):
            searchKind = "idempotency_key"
            searchValue = Hex.encode(hash)
        case nil:
            searchKind = nil
            searchValue = nil
        }
    }

    package var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Strings, integers and optionals only: encoding cannot fail.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The query, or nil when a field does not parse.
    package var query: RequestQuery? {
        var query = RequestQuery()
        for name in statuses {
            guard let status = TransactionStatus(rawValue: name) else { return nil }
            query.statuses.insert(status)
        }
        if let sender {
            guard let address = try? Address(sender) else { return nil }
            query.sender = address
        }
        if let contract {
            guard let address = try? Address(contract) else { return nil }
            query.contract = address
        }
        if let selector {
            guard let parsed = FunctionSelector(selector) else { return nil }
            query.selector = parsed
        }
        query.messageType = messageType
        query.createdFrom = createdFromMillis.map(StoredTime.date)
        query.createdBefore = createdBeforeMillis.map(StoredTime.date)
        switch (searchKind, searchValue) {
        case (nil, nil): break
        case ("id_prefix", let value?): query.search = RequestSearch(kind: .idPrefix(value))
        case ("hash_prefix", let value?): query.search = RequestSearch(kind: .hashPrefix(value))
        case ("idempotency_key", let value?):
            guard let hash = try? Hex.decode(value) else { return nil }
            query.search = RequestSearch(kind: .idempotencyKey(hash: hash))
        default: return nil
        }
        return query
    }

    package static func parse(_ json: String) -> RequestQuery? {
        guard let frozen = try? JSONDecoder().decode(FrozenQuery.self, from: Data(json.utf8)) else { return nil }
        return frozen.query
    }
}
