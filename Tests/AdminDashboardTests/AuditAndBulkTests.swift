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

@Suite("The audit page and the bulk retry pages")
struct AuditAndBulkTests {
    @Test("the audit shows who did what, when and why, newest first, paged by entry number")
    func audit() async throws {
        try await DashboardHarness.with { harness in
            let failed = try await harness.filled.add(StoreFill.request(), .failed)
            for index in 0..<105 {
                _ = try await harness.store.appendAudit(
                    AuditEntry(user: index % 2 == 0 ? "otto" : "olga", action: .retry, requestID: failed.id, reason: "reason \(index)"))
            }
            try await harness.app.test(.router) { client in
                let vera = try await harness.logIn(client, operator: false)
                let page = try await client.execute(uri: "/admin/audit", method: .get, headers: vera.get)
                #expect(page.status == .ok)
                #expect(page.text.contains("<td>otto</td><td>retry</td><td><a class=\"mono\" href=\"/admin/requests/\(failed.id)\">"))
                #expect(page.text.contains("reason 104"))
                #expect(!page.text.contains("reason 4<"))
                let json = try await client.execute(uri: "/admin/api/audit", method: .get, headers: vera.get)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
                let entries = try #require(object["entries"] as? [[String: Any]])
                #expect(entries.count == 100)
                #expect(entries.first?["reason"] as? String == "reason 104")
                let next = try #require(object["next"] as? Int)
                let older = try await client.execute(uri: "/admin/api/audit?before=\(next)", method: .get, headers: vera.get)
                let rest = try #require(try JSONSerialization.jsonObject(with: Data(older.text.utf8)) as? [String: Any])
                #expect((rest["entries"] as? [[String: Any]])?.compactMap { $0["reason"] as? String } == (0..<5).reversed().map { "reason \($0)" })
                #expect(rest["next"] == nil)
                let bad = try await client.execute(uri: "/admin/audit?before=soon", method: .get, headers: vera.get)
                #expect(bad.status == .badRequest)
            }
        }
    }

    @Test("planning a bulk retry freezes the list's filter with a required reason and a cap; start and cancel go to the stored operation")
    func bulkRetry() async throws {
        try await DashboardHarness.with { harness in
            try await harness.app.test(.router) { client in
                let otto = try await harness.logIn(client, operator: true)
                let sender = StoreFill.senderA.checksummed
                let form = try await client.execute(uri: "/admin/bulk-retries?sender=\(sender)&status=failed", method: .get, headers: otto.get)
                #expect(form.status == .ok)
                #expect(form.text.contains("name=\"sender\" value=\"\(sender)\""))
                #expect(form.text.contains("value=\"1000\""), "the default cap")

                let noReason = try await client.execute(
                    uri: "/admin/bulk-retries", method: .post, headers: otto.form,
                    body: ByteBuffer(string: "csrf_token=\(otto.csrf)&status=failed&sender=\(sender)&reason=+"))
                #expect(noReason.status == .badRequest)
                #expect(noReason.text.contains("give a reason"))
                let notFailed = try await client.execute(
                    uri: "/admin/bulk-retries", method: .post, headers: otto.form,
                    body: ByteBuffer(string: "csrf_token=\(otto.csrf)&status=confirmed&reason=x"))
                #expect(notFailed.status == .badRequest)
                let noToken = try await client.execute(
                    uri: "/admin/bulk-retries", method: .post, headers: otto.form, body: ByteBuffer(string: "status=failed&reason=x"))
                #expect(noToken.status == .forbidden)
                #expect(harness.retry.calls.isEmpty)

                let planned = try await client.execute(
                    uri: "/admin/bulk-retries", method: .post, headers: otto.form,
                    body: ByteBuffer(string: "csrf_token=\(otto.csrf)&status=failed&sender=\(sender)&cap=25&reason=node+outage"))
                #expect(planned.status == .seeOther)
                #expect(planned.headers[.location] == "/admin/bulk-retries/1")
                #expect(harness.retry.calls == [
                    .planBulk(RequestQuery(statuses: [.failed], sender: StoreFill.senderA), cap: 25, user: "otto", reason: "node outage"),
                ])
                let page = try await client.execute(uri: "/admin/bulk-retries/1", method: .get, headers: otto.get)
                #expect(page.status == .ok)
                #expect(page.text.contains("status failed, sender \(sender)"))
                #expect(page.text.contains("action=\"/admin/bulk-retries/1/start\""))
                let start = try await client.execute(uri: "/admin/bulk-retries/1/start", method: .post, headers: otto.form, body: ByteBuffer(string: "csrf_token=\(otto.csrf)"))
                #expect(start.status == .seeOther)
                let cancel = try await client.execute(uri: "/admin/bulk-retries/1/cancel", method: .post, headers: otto.form, body: ByteBuffer(string: "csrf_token=\(otto.csrf)"))
                #expect(cancel.status == .seeOther)
                #expect(harness.retry.calls.suffix(2) == [.startBulk(BulkRetryID(1), user: "otto"), .cancelBulk(BulkRetryID(1), user: "otto")])
                let json = try await client.execute(uri: "/admin/api/bulk-retries/1", method: .get, headers: otto.get)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
                #expect((object["operation"] as? [String: Any])?["state"] as? String == "cancelled")
                let list = try await client.execute(uri: "/admin/api/bulk-retries", method: .get, headers: otto.get)
                #expect(list.status == .ok)
                let missing = try await client.execute(uri: "/admin/bulk-retries/99", method: .get, headers: otto.get)
                #expect(missing.status == .notFound)
            }
        }
    }
}
