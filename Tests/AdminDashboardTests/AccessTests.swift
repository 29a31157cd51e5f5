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

@Suite("Dashboard access: login, roles, CSRF and origin on every page and action")
struct AccessTests {
    @Test("without a login every page redirects to the login page and every JSON endpoint answers 401")
    func nothingWithoutLogin() async throws {
        try await DashboardHarness.with { harness in
            let failed = try await harness.filled.add(StoreFill.request(), .failed)
            try await harness.app.test(.router) { client in
                let pages = ["/admin", "/admin/requests", "/admin/requests/\(failed.id)", "/admin/requests/\(failed.id)/retry",
                             "/admin/bulk-retries", "/admin/bulk-retries/1", "/admin/audit"]
                for page in pages {
                    let response = try await client.execute(uri: page, method: .get)
                    #expect(response.status == .seeOther, "\(page)")
                    #expect(response.headers[.location] == "/admin/login", "\(page)")
                    #expect(response.headers[.contentSecurityPolicy] == SecurityHeaders.contentSecurityPolicy)
                }
                let api = ["/admin/api/overview", "/admin/api/requests", "/admin/api/requests/\(failed.id)", "/admin/api/audit",
                           "/admin/api/bulk-retries", "/admin/api/bulk-retries/1", "/admin/api/openapi.json"]
                for endpoint in api {
                    let response = try await client.execute(uri: endpoint, method: .get)
                    #expect(response.status == .unauthorized, "\(endpoint)")
                }
                let post = try await client.execute(
                    uri: "/admin/requests/\(failed.id)/retry", method: .post,
                    headers: [.origin: DashboardHarness.origin, .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "click_key=\(RecordingRetryActions.clickKey.text)"))
                #expect(post.status == .unauthorized)
            }
            #expect(harness.retry.calls.isEmpty)
        }
    }

    @Test("the login page and the assets need no login; assets are cacheable, pages are not")
    func loginPageAndAssets() async throws {
        try await DashboardHarness.with { harness in
            try await harness.app.test(.router) { client in
                let login = try await client.execute(uri: "/admin/login", method: .get)
                #expect(login.status == .ok)
                #expect(login.text.contains("<form method=\"post\" action=\"/admin/login\">"))
                #expect(login.headers[.cacheControl] == "no-store")
                #expect(!login.text.contains("<script>"), "no inline script")
                for (path, type) in [("/admin/assets/dashboard.css", "text/css"), ("/admin/assets/dashboard.js", "text/javascript")] {
                    let asset = try await client.execute(uri: path, method: .get)
                    #expect(asset.status == .ok)
                    #expect(asset.headers[.contentType]?.hasPrefix(type) == true)
                    #expect(asset.headers[.cacheControl] == "public, max-age=3600")
                    let tag = try #require(asset.headers[.eTag])
                    let again = try await client.execute(uri: path, method: .get, headers: [.ifNoneMatch: tag])
                    #expect(again.status == .notModified)
                }
            }
        }
    }

    @Test("a browser's wrong password comes back to the login page saying so; a script still gets 401")
    func wrongPassword() async throws {
        try await DashboardHarness.with { harness in
            try await harness.app.test(.router) { client in
                var headers: HTTPFields = [.origin: DashboardHarness.origin, DashboardHarness.secFetchSite: "same-origin",
                                           .contentType: "application/x-www-form-urlencoded", .accept: "text/html,application/xhtml+xml"]
                let browser = try await client.execute(uri: "/admin/login", method: .post, headers: headers, body: ByteBuffer(string: "user=otto&password=wrong"))
                #expect(browser.status == .seeOther)
                #expect(browser.headers[.location] == "/admin/login?error=refused")
                #expect(browser.headers[values: .setCookie].isEmpty)
                let page = try await client.execute(uri: "/admin/login?error=refused", method: .get)
                #expect(page.text.contains("Wrong user name or password."))
                // Past the per-user burst the gate answers 429; the browser gets the page saying how long to wait.
                var throttled: TestResponse?
                for _ in 0..<10 {
                    let response = try await client.execute(uri: "/admin/login", method: .post, headers: headers, body: ByteBuffer(string: "user=vera&password=wrong"))
                    if response.headers[.location]?.hasPrefix("/admin/login?error=throttled") == true { throttled = response; break }
                }
                let location = try #require(throttled?.headers[.location])
                #expect(location.hasPrefix("/admin/login?error=throttled&wait="))
                let wait = try await client.execute(uri: location, method: .get)
                #expect(wait.status == .tooManyRequests)
                #expect(wait.text.contains("Too many login attempts: wait"))
                headers[.accept] = nil
                let script = try await client.execute(uri: "/admin/login", method: .post, headers: headers, body: ByteBuffer(string: "user=otto&password=wrong"))
                #expect(script.status == .unauthorized)
            }
        }
    }

    @Test("a viewer sees every page but neither the retry page nor its POST nor the bulk pages, and no Retry button")
    func viewerCannotRetry() async throws {
        try await DashboardHarness.with { harness in
            let failed = try await harness.filled.add(StoreFill.request(), .failed)
            try await harness.app.test(.router) { client in
                let viewer = try await harness.logIn(client, operator: false)
                for page in ["/admin", "/admin/requests", "/admin/requests/\(failed.id)", "/admin/audit", "/admin/api/overview",
                             "/admin/api/requests", "/admin/api/requests/\(failed.id)", "/admin/api/audit", "/admin/api/openapi.json"] {
                    let response = try await client.execute(uri: page, method: .get, headers: viewer.get)
                    #expect(response.status == .ok, "\(page): \(response.status)")
                }
                let detail = try await client.execute(uri: "/admin/requests/\(failed.id)", method: .get, headers: viewer.get)
                #expect(!detail.text.contains("/retry\">Retry"))
                #expect(detail.text.contains("an operator may retry it"))
                for page in ["/admin/requests/\(failed.id)/retry", "/admin/bulk-retries", "/admin/api/bulk-retries"] {
                    let response = try await client.execute(uri: page, method: .get, headers: viewer.get)
                    #expect(response.status == .forbidden, "\(page)")
                }
                let post = try await client.execute(
                    uri: "/admin/requests/\(failed.id)/retry", method: .post, headers: viewer.form,
                    body: ByteBuffer(string: "csrf_token=\(viewer.csrf)&click_key=\(RecordingRetryActions.clickKey.text)"))
                #expect(post.status == .forbidden)
                let bulk = try await client.execute(
                    uri: "/admin/bulk-retries", method: .post, headers: viewer.form,
                    body: ByteBuffer(string: "csrf_token=\(viewer.csrf)&status=failed&reason=cleanup"))
                #expect(bulk.status == .forbidden)
            }
            #expect(harness.retry.calls.isEmpty)
        }
    }

    @Test("an operator's retry POST without the CSRF token, from another origin, or cross-site is refused before any retry")
    func retryGuards() async throws {
        try await DashboardHarness.with { harness in
            let failed = try await harness.filled.add(StoreFill.request(), .failed)
            try await harness.app.test(.router) { client in
                let otto = try await harness.logIn(client, operator: true)
                let uri = "/admin/requests/\(failed.id)/retry"
                let key = "click_key=\(RecordingRetryActions.clickKey.text)"
                let noToken = try await client.execute(uri: uri, method: .post, headers: otto.form, body: ByteBuffer(string: key))
                #expect(noToken.status == .forbidden)
                let wrongToken = try await client.execute(uri: uri, method: .post, headers: otto.form, body: ByteBuffer(string: "csrf_token=\(SecretToken.random().text)&\(key)"))
                #expect(wrongToken.status == .forbidden)
                var otherOrigin = otto.form
                otherOrigin[.origin] = "https://evil.example"
                otherOrigin[DashboardHarness.secFetchSite] = nil
                let foreign = try await client.execute(uri: uri, method: .post, headers: otherOrigin, body: ByteBuffer(string: "csrf_token=\(otto.csrf)&\(key)"))
                #expect(foreign.status == .forbidden)
                var crossSite = otto.form
                crossSite[DashboardHarness.secFetchSite] = "cross-site"
                let cross = try await client.execute(uri: uri, method: .post, headers: crossSite, body: ByteBuffer(string: "csrf_token=\(otto.csrf)&\(key)"))
                #expect(cross.status == .forbidden)
                #expect(harness.retry.calls.isEmpty, "no refused request reached the retry actions")

                let done = try await client.execute(uri: uri, method: .post, headers: otto.form, body: ByteBuffer(string: "csrf_token=\(otto.csrf)&\(key)&reason=node+lost+it"))
                #expect(done.status == .seeOther)
                let location = try #require(done.headers[.location])
                #expect(location.hasPrefix("/admin/requests/") && !location.contains(failed.id.description))
                // A double submit carries the same click key and lands on the same new request.
                let again = try await client.execute(uri: uri, method: .post, headers: otto.form, body: ByteBuffer(string: "csrf_token=\(otto.csrf)&\(key)&reason=node+lost+it"))
                #expect(again.headers[.location] == location)
                #expect(harness.retry.calls == [
                    .confirm(failed.id, key: RecordingRetryActions.clickKey.text, user: "otto", reason: "node lost it"),
                    .confirm(failed.id, key: RecordingRetryActions.clickKey.text, user: "otto", reason: "node lost it"),
                ])
            }
        }
    }

    @Test("logout ends the session: the cookie no longer opens a page")
    func logout() async throws {
        try await DashboardHarness.with { harness in
            try await harness.app.test(.router) { client in
                let vera = try await harness.logIn(client, operator: false)
                let out = try await client.execute(uri: "/admin/logout", method: .post, headers: vera.form, body: ByteBuffer(string: "csrf_token=\(vera.csrf)"))
                #expect(out.status == .seeOther)
                let page = try await client.execute(uri: "/admin", method: .get, headers: vera.get)
                #expect(page.status == .seeOther)
            }
        }
    }
}
