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

@Suite("A request's page: decoded calldata, versions, sends, receipt, lineage, audit")
struct DetailTests {
    @Test("the calldata is decoded with the message type's parameter names, next to hex and UTF-8")
    func decodedCalldata() async throws {
        try await DashboardHarness.with { harness in
            let weight = try await harness.filled.add(StoreFill.request(data: StoreFill.addWeightCalldata(StoreFill.otherContract, weight: 4242)))
            let name = try await harness.filled.add(
                StoreFill.request(messageType: StoreFill.setName, data: StoreFill.setNameCalldata("héllo world")))
            try await harness.app.test(.router) { client in
                let vera = try await harness.logIn(client, operator: false)
                let page = try await client.execute(uri: "/admin/requests/\(weight.id)", method: .get, headers: vera.get)
                #expect(page.status == .ok)
                let html = page.text
                #expect(html.contains("<td>_addr</td><td class=\"mono\">address</td><td class=\"mono wrap\">\(StoreFill.otherContract.checksummed)</td>"))
                #expect(html.contains("<td>_weight</td><td class=\"mono\">uint256</td><td class=\"mono wrap\">4242</td>"))
                #expect(html.contains(Hex.encode(weight.request.data.bytes)))
                let text = try await client.execute(uri: "/admin/requests/\(name.id)", method: .get, headers: vera.get)
                #expect(text.text.contains("<td>name</td><td class=\"mono\">string</td><td class=\"mono wrap\">&quot;héllo world&quot;</td>"))
                #expect(text.text.contains("héllo world"), "the UTF-8 view")
                let json = try await client.execute(uri: "/admin/api/requests/\(weight.id)", method: .get, headers: vera.get)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
                let arguments = (object["calldata"] as? [String: Any])?["arguments"] as? [[String: Any]]
                #expect(arguments?.compactMap { $0["name"] as? String } == ["_addr", "_weight"])
                #expect(arguments?.last?["value"] as? String == "4242")
            }
        }
    }

    @Test("every signed version, every send (a lost answer as unknown), the receipt with confirmations, explorer links")
    func versionsSendsReceipt() async throws {
        try await DashboardHarness.with { harness in
            let replaced = try await harness.filled.add(
                StoreFill.request(), .replaced,
                attempts: [(.unknown, "timed out after 30 s"), (.accepted, nil), (.feesTooLow, "replacement transaction underpriced")])
            let mined = try await harness.filled.add(StoreFill.request(), .confirmed)
            try await harness.store.saveChainHead(BlockNumber(1009))
            try await harness.app.test(.router) { client in
                let vera = try await harness.logIn(client, operator: false)
                let page = try await client.execute(uri: "/admin/requests/\(replaced.id)", method: .get, headers: vera.get)
                let html = page.text
                let versions = try #require(try await harness.store.request(replaced.id)).lifecycle.versions
                #expect(versions.count == 2)
                for version in versions {
                    #expect(html.contains("<a href=\"https://explorer.example/tx/\(version.hash)\" rel=\"noreferrer\">\(version.hash)</a>"))
                    #expect(html.contains("\(version.fees.maxFeePerGas) wei"))
                }
                #expect(html.contains("replacement"))
                #expect(html.contains("unknown (no answer: it may have landed)"))
                #expect(html.contains("timed out after 30 s"))
                #expect(html.contains("<td>fees_too_low</td><td>fees_too_low</td>"))
                #expect(html.contains("http://node-1:8545"))
                #expect(html.contains("No version of it is known to be mined."))

                let receipt = try await client.execute(uri: "/admin/requests/\(mined.id)", method: .get, headers: vera.get)
                #expect(receipt.text.contains("<dt>Block</dt><dd>1000"))
                #expect(receipt.text.contains("<dt>Confirmations</dt><dd>10</dd>"))
                #expect(receipt.text.contains("succeeded"))
            }
        }
    }

    @Test("a retry the queue acknowledged but no worker stored yet: its page says it is queued, links the original and reloads itself")
    func queuedRetry() async throws {
        try await DashboardHarness.with { harness in
            let failed = try await harness.filled.add(StoreFill.request(), .failed)
            let retryID = RequestID()
            _ = try await harness.store.markRetried(original: failed.id, as: retryID, audit: nil)
            try await harness.app.test(.router) { client in
                let otto = try await harness.logIn(client, operator: true)
                let page = try await client.execute(uri: "/admin/requests/\(retryID)", method: .get, headers: otto.get)
                #expect(page.status == .ok)
                #expect(page.text.contains("Retry queued"))
                #expect(page.text.contains("href=\"/admin/requests/\(failed.id)\""))
                #expect(page.headers[HTTPField.Name("Refresh")!] == "3")
                let stranger = try await client.execute(uri: "/admin/requests/\(RequestID())", method: .get, headers: otto.get)
                #expect(stranger.status == .notFound, "an id nobody retried as is still unknown")
            }
        }
    }

    @Test("the lineage links both ways and the request's audit entries are shown; an unknown id is a 404 page")
    func lineageAndAudit() async throws {
        try await DashboardHarness.with { harness in
            let failed = try await harness.filled.add(StoreFill.request(), .failed)
            let retryID = RequestID()
            _ = try await harness.store.markRetried(
                original: failed.id, as: retryID,
                audit: AuditEntry(user: "otto", action: .retry, requestID: failed.id, reason: "node lost it", details: ["retry": retryID.description]))
            let retry = try await harness.filled.add(StoreFill.request(id: retryID, retryOf: failed.id))
            try await harness.app.test(.router) { client in
                let otto = try await harness.logIn(client, operator: true)
                let original = try await client.execute(uri: "/admin/requests/\(failed.id)", method: .get, headers: otto.get)
                #expect(original.text.contains("Retried as <a class=\"mono\" href=\"/admin/requests/\(retryID)\">"))
                #expect(original.text.contains("<td>otto</td><td>retry</td><td>node lost it</td>"))
                #expect(!original.text.contains("/retry\">Retry"), "a retried request offers no second retry")
                let newer = try await client.execute(uri: "/admin/requests/\(retry.id)", method: .get, headers: otto.get)
                #expect(newer.text.contains("Retry of <a class=\"mono\" href=\"/admin/requests/\(failed.id)\">"))
                let missing = try await client.execute(uri: "/admin/requests/\(RequestID())", method: .get, headers: otto.get)
                #expect(missing.status == .notFound)
                #expect(missing.text.contains("search for it in the list"))
                let notAnID = try await client.execute(uri: "/admin/requests/not-an-id", method: .get, headers: otto.get)
                #expect(notAnID.status == .badRequest)
                let missingJSON = try await client.execute(uri: "/admin/api/requests/\(RequestID())", method: .get, headers: otto.get)
                #expect(missingJSON.status == .notFound)
            }
        }
    }

    @Test("no page and no JSON carries a password, a password hash or the session token")
    func noSecrets() async throws {
        try await DashboardHarness.with { harness in
            let failed = try await harness.filled.add(StoreFill.request(), .failed)
            _ = try await harness.store.claimIdempotencyKey(IdempotencyClaim(
                keyHash: IdempotencyKeyDigest.digest(caller: "open", key: "secret-order-key"), requestID: failed.id, bodyHash: [1], at: Date()))
            try await harness.app.test(.router) { client in
                let otto = try await harness.logIn(client, operator: true)
                let sessionToken = String(otto.cookie.split(separator: "=", maxSplits: 1).last ?? "")
                let secrets = [DashboardHarness.operatorPassword, DashboardHarness.viewerPassword, DashboardHarness.operatorHash,
                               DashboardHarness.viewerHash, sessionToken, "$2b$", "secret-order-key"]
                for uri in ["/admin", "/admin/requests", "/admin/requests?q=secret-order-key", "/admin/requests/\(failed.id)",
                            "/admin/requests/\(failed.id)/retry", "/admin/audit", "/admin/bulk-retries", "/admin/api/overview",
                            "/admin/api/requests", "/admin/api/requests/\(failed.id)", "/admin/api/audit", "/admin/login"] {
                    let response = try await client.execute(uri: uri, method: .get, headers: otto.get)
                    #expect(response.status.code < 500, "\(uri)")
                    let body = response.text
                    for secret in secrets where !(uri.contains("secret-order-key") && secret == "secret-order-key") {
                        #expect(!body.contains(secret), "\(uri) shows a secret")
                    }
                    #expect(!body.contains("<script>"), "\(uri) has an inline script")
                    #expect(!body.contains("style=\""), "\(uri) has an inline style")
                }
            }
        }
    }
}
