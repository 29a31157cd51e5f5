import ABI
import AdminAccess
import AdminActions
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lifecycle
import NIOCore
import SQLiteStore
import StatusStore
import Testing

@Suite("The request list: filters, the search box, keyset pages")
struct ListTests {
    /// A few requests of two senders, two message types and several statuses.
    struct Fixture {
        var failedA: StoredRequest
        var revertedA: StoredRequest
        var confirmedB: StoredRequest
        var signedB: StoredRequest
        var nameA: StoredRequest
    }

    static func fill(_ harness: DashboardHarness) async throws -> Fixture {
        let filled = harness.filled
        let failedA = try await filled.add(StoreFill.request(from: StoreFill.senderA), .failed)
        let revertedA = try await filled.add(StoreFill.request(from: StoreFill.senderA), .reverted)
        let confirmedB = try await filled.add(StoreFill.request(from: StoreFill.senderB, to: StoreFill.otherContract), .confirmed)
        let signedB = try await filled.add(StoreFill.request(from: StoreFill.senderB), .signed)
        let nameA = try await filled.add(
            StoreFill.request(from: StoreFill.senderA, messageType: StoreFill.setName, data: StoreFill.setNameCalldata("hello")), .replaced)
        return Fixture(failedA: failedA, revertedA: revertedA, confirmedB: confirmedB, signedB: signedB, nameA: nameA)
    }

    func ids(_ requests: [StoredRequest]) -> [String] {
        requests.sorted { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id.description > $1.id.description }.map(\.id.description)
    }

    @Test("each filter and each kind of search finds exactly its rows, newest first")
    func filtersAndSearches() async throws {
        try await DashboardHarness.with { harness in
            let f = try await Self.fill(harness)
            let replacement = try #require(try await harness.store.request(f.nameA.id)?.lifecycle.versions.last?.hash)
            let idempotent = f.confirmedB
            _ = try await harness.store.claimIdempotencyKey(IdempotencyClaim(
                keyHash: IdempotencyKeyDigest.digest(caller: "open", key: "order-77"), requestID: idempotent.id, bodyHash: [1], at: Date()))
            let cases: [(String, [StoredRequest])] = [
                ("", [f.failedA, f.revertedA, f.confirmedB, f.signedB, f.nameA]),
                ("status=failed", [f.failedA]),
                ("status=failed&status=reverted", [f.failedA, f.revertedA]),
                ("status=failed,confirmed", [f.failedA, f.confirmedB]),
                ("sender=\(StoreFill.senderB.checksummed)", [f.confirmedB, f.signedB]),
                ("sender=\(StoreFill.senderA.checksummed.lowercased())&status=replaced", [f.nameA]),
                ("contract=\(StoreFill.otherContract.checksummed)", [f.confirmedB]),
                ("type=\(URLEncoding.escape(StoreFill.setName))", [f.nameA]),
                ("q=\(f.signedB.id.description.prefix(8))", [f.signedB]),
                ("q=\(f.revertedA.id.description.uppercased())", [f.revertedA]),
                ("q=\(f.failedA.lifecycle.original.hash.description.prefix(14))", [f.failedA]),
                ("q=\(replacement.description)", [f.nameA]),
                ("q=\(StoreFill.senderB.checksummed)", [f.confirmedB, f.signedB]),
                ("q=\(Hex.encode(f.nameA.request.data.bytes.prefix(4)))", [f.nameA]),
                ("q=order-77", [idempotent]),
                ("q=order-77&caller=someone-else", []),
                ("q=order-78", []),
            ]
            try await harness.app.test(.router) { client in
                let vera = try await harness.logIn(client, operator: false)
                for (query, expected) in cases {
                    let page = try await client.execute(uri: "/admin/requests?\(query)", method: .get, headers: vera.get)
                    #expect(page.status == .ok, "\(query)")
                    #expect(listedIDs(page.text) == ids(expected), "\(query)")
                    let json = try await client.execute(uri: "/admin/api/requests?\(query)", method: .get, headers: vera.get)
                    let rows = try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any]
                    let listed = (rows?["rows"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                    #expect(listed == ids(expected), "JSON \(query)")
                }
                let empty = try await client.execute(uri: "/admin/requests?q=order-78", method: .get, headers: vera.get)
                #expect(empty.text.contains("No request matches"))
            }
        }
    }

    @Test("a time range in UTC keeps the rows stored inside it")
    func timeRange() async throws {
        try await DashboardHarness.with { harness in
            let f = try await Self.fill(harness)
            let first = try #require([f.failedA, f.revertedA, f.confirmedB, f.signedB, f.nameA].map(\.createdAt).min())
            let later = first.addingTimeInterval(3600)
            try await harness.app.test(.router) { client in
                let vera = try await harness.logIn(client, operator: false)
                let inside = try await client.execute(uri: "/admin/requests?from=\(Self.utc(first.addingTimeInterval(-60)))&to=\(Self.utc(later))", method: .get, headers: vera.get)
                #expect(listedIDs(inside.text).count == 5)
                let after = try await client.execute(uri: "/admin/requests?from=\(Self.utc(later))", method: .get, headers: vera.get)
                #expect(listedIDs(after.text).isEmpty)
                let before = try await client.execute(uri: "/admin/requests?to=\(Self.utc(first.addingTimeInterval(-60)))", method: .get, headers: vera.get)
                #expect(listedIDs(before.text).isEmpty)
            }
        }
    }

    @Test("a filter that does not parse is a 400 naming it, not a 500 and not a search")
    func badFilters() async throws {
        try await DashboardHarness.with { harness in
            _ = try await Self.fill(harness)
            try await harness.app.test(.router) { client in
                let vera = try await harness.logIn(client, operator: false)
                let cases = [
                    ("status=lost", "status \"lost\" is not one of"),
                    ("sender=0x1234", "sender \"0x1234\" is not an address"),
                    ("from=yesterday", "from \"yesterday\" is not a UTC time"),
                    ("from=2026-02-30", "is not a UTC time"),
                    ("from=2026-12-02&to=2026-12-01", "from must be before to"),
                    ("after=garbage", "after is not a page cursor"),
                    ("q=%20%01", "search for a request id"),
                    ("q=%zz", "query is not valid; start again from the list"),
                ]
                for (query, message) in cases {
                    let page = try await client.execute(uri: "/admin/requests?\(query)", method: .get, headers: vera.get)
                    #expect(page.status == .badRequest, "\(query): \(page.status)")
                    #expect(page.text.contains(message.replacingOccurrences(of: "\"", with: "&quot;")) || page.text.contains(message), "\(query): \(page.text.suffix(1500))")
                    #expect(listedIDs(page.text).isEmpty)
                    let json = try await client.execute(uri: "/admin/api/requests?\(query)", method: .get, headers: vera.get)
                    #expect(json.status == .badRequest, "JSON \(query)")
                }
            }
        }
    }

    @Test("keyset pages do not shift when requests change status between pages, and keep the filters in their links")
    func stablePages() async throws {
        try await DashboardHarness.with(pageSize: 3) { harness in
            var stored: [StoredRequest] = []
            for index in 0..<8 {
                stored.append(try await harness.filled.add(StoreFill.request(from: index % 2 == 0 ? StoreFill.senderA : StoreFill.senderB), .submitted))
            }
            let order = ids(stored)
            let requests = stored
            try await harness.app.test(.router) { client in
                let vera = try await harness.logIn(client, operator: false)
                let first = try await client.execute(uri: "/admin/requests", method: .get, headers: vera.get)
                #expect(listedIDs(first.text) == Array(order[0..<3]))
                let next = try #require(nextLink(first.text))
                // The newest and a request of the next page change status meanwhile.
                for id in [order[0], order[4]] {
                    let request = try #require(requests.first { $0.id.description == id })
                    try await harness.filled.move(request, to: .mined)
                }
                let second = try await client.execute(uri: next, method: .get, headers: vera.get)
                #expect(listedIDs(second.text) == Array(order[3..<6]))
                let third = try await client.execute(uri: try #require(nextLink(second.text)), method: .get, headers: vera.get)
                #expect(listedIDs(third.text) == Array(order[6..<8]))
                #expect(nextLink(third.text) == nil)

                let filtered = try await client.execute(uri: "/admin/requests?status=submitted&sender=\(StoreFill.senderA.checksummed)", method: .get, headers: vera.get)
                let filteredNext = try #require(nextLink(filtered.text))
                #expect(filteredNext.contains("status=submitted") && filteredNext.contains("sender=\(StoreFill.senderA.checksummed)"))
            }
        }
    }

    static func utc(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.string(from: date)
    }

    /// The "Older" link of a list page, unescaped.
    func nextLink(_ html: String) -> String? {
        guard let range = html.range(of: "<a rel=\"next\" href=\"") else { return nil }
        let rest = html[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end]).replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#61;", with: "=").replacingOccurrences(of: "&#x3D;", with: "=")
    }
}
