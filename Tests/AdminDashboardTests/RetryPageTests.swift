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

@Suite("The retry confirmation page and its refusals")
struct RetryPageTests {
    @Test("an allowed retry shows the chain evidence and a form with the CSRF token and the click key")
    func confirmation() async throws {
        try await DashboardHarness.with { harness in
            let failed = try await harness.filled.add(StoreFill.request(), .failed)
            let hash = failed.lifecycle.original.hash
            harness.retry.setVerdict(.allowed(ChainEvidence(hashesChecked: [hash], nonce: failed.lifecycle.nonce, chainLatestNonce: Nonce(7), checkedAt: Date())))
            try await harness.app.test(.router) { client in
                let otto = try await harness.logIn(client, operator: true)
                let detail = try await client.execute(uri: "/admin/requests/\(failed.id)", method: .get, headers: otto.get)
                #expect(detail.text.contains("href=\"/admin/requests/\(failed.id)/retry\">Retry"))
                let page = try await client.execute(uri: "/admin/requests/\(failed.id)/retry", method: .get, headers: otto.get)
                #expect(page.status == .ok)
                let html = page.text
                #expect(html.contains(hash.description))
                #expect(html.contains("mined nonce count is 7"))
                #expect(html.contains("name=\"csrf_token\" value=\"\(otto.csrf)\""))
                #expect(html.contains("name=\"click_key\" value=\"\(RecordingRetryActions.clickKey.text)\""))
                #expect(html.contains("action=\"/admin/requests/\(failed.id)/retry\""))
            }
            #expect(harness.retry.calls == [.preview(failed.id)])
        }
    }

    @Test("a refused retry shows why and offers no form; a refused confirmation says what to do")
    func refusals() async throws {
        try await DashboardHarness.with { harness in
            let confirmed = try await harness.filled.add(StoreFill.request(), .confirmed)
            let hash = confirmed.lifecycle.original.hash
            harness.retry.setVerdict(.refused(RetryRefusal(.mined(hash, block: BlockNumber(1000)), "its hash \(hash) has a receipt in block 1000")))
            harness.retry.refuseConfirm(RetryRefusal(.mined(hash, block: BlockNumber(1000)), "its hash \(hash) has a receipt in block 1000"))
            try await harness.app.test(.router) { client in
                let otto = try await harness.logIn(client, operator: true)
                let detail = try await client.execute(uri: "/admin/requests/\(confirmed.id)", method: .get, headers: otto.get)
                #expect(!detail.text.contains("/retry\">Retry"), "a confirmed request offers no retry")
                let page = try await client.execute(uri: "/admin/requests/\(confirmed.id)/retry", method: .get, headers: otto.get)
                #expect(page.status == .conflict)
                #expect(page.text.contains("has a receipt in block 1000"))
                #expect(!page.text.contains("click_key"))
                let post = try await client.execute(
                    uri: "/admin/requests/\(confirmed.id)/retry", method: .post, headers: otto.form,
                    body: ByteBuffer(string: "csrf_token=\(otto.csrf)&click_key=\(RecordingRetryActions.clickKey.text)"))
                #expect(post.status == .conflict)
                #expect(post.text.contains("nothing to retry"))
                let badKey = try await client.execute(
                    uri: "/admin/requests/\(confirmed.id)/retry", method: .post, headers: otto.form,
                    body: ByteBuffer(string: "csrf_token=\(otto.csrf)&click_key=short"))
                #expect(badKey.status == .badRequest)
            }
        }
    }
}
