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

/// One page of the list for parsed filters: the filters' query, with the search box's reading
/// of `q`, through the store's indexed reads only.
struct RequestFinder: Sendable {
    let store: any StatusStore
    let callers: [String]

    struct Found: Sendable {
        var page: SummaryPage
        var searchedAs: String?
        var problem: String?
    }

    func find(_ filters: ListFilters, limit: Int) async throws -> Found {
        let query = filters.baseQuery
        guard let q = filters.q else {
            return Found(page: try await store.summaries(query, limit: limit, after: filters.after))
        }
        let interpretation = SearchBox.interpret(q)
        switch interpretation {
        case .invalid(let problem):
            return Found(page: SummaryPage(rows: [], next: nil), searchedAs: nil, problem: problem)
        case .sender(let address):
            var narrowed = query
            narrowed.sender = address
            return Found(page: try await store.summaries(narrowed, limit: limit, after: filters.after), searchedAs: interpretation.label)
        case .selector(let selector):
            var narrowed = query
            narrowed.selector = selector
            return Found(page: try await store.summaries(narrowed, limit: limit, after: filters.after), searchedAs: interpretation.label)
        case .hash(let search):
            return Found(page: try await searched(query, search, limit: limit, after: filters.after), searchedAs: interpretation.label)
        case .id(let search, let key):
            let page = try await searched(query, search, limit: limit, after: filters.after)
            if !page.rows.isEmpty || key == nil || filters.after != nil {
                return Found(page: page, searchedAs: interpretation.label)
            }
            return Found(page: try await byKey(query, key ?? q, filters, limit: limit), searchedAs: "Idempotency-Key")
        case .idempotencyKey(let key):
            return Found(page: try await byKey(query, key, filters, limit: limit), searchedAs: interpretation.label)
        }
    }

    private func searched(_ query: RequestQuery, _ search: RequestSearch, limit: Int, after: ListCursor?) async throws -> SummaryPage {
        var searched = query
        searched.search = search
        return try await store.summaries(searched, limit: limit, after: after)
    }

    /// A key names at most one request per caller, so these pages are whole.
    private func byKey(_ query: RequestQuery, _ key: String, _ filters: ListFilters, limit: Int) async throws -> SummaryPage {
        let names = filters.caller.map { [$0] } ?? callers
        var rows: [RequestSummary] = []
        for search in SearchBox.keySearches(key, callers: names) {
            rows += try await self.searched(query, search, limit: limit, after: nil).rows
        }
        rows.sort { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id.description > $1.id.description }
        return SummaryPage(rows: Array(rows.prefix(limit)), next: nil)
    }
}
