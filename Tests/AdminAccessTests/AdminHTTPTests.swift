import AdminAccess
import BroadcasterConfig
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The middleware on a tiny router: a page any user sees, an operator-only action.
@Suite("Admin access over HTTP")
struct AdminHTTPTests {
    static let origin = "http://127.0.0.1:8081"
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    static let formType = "application/x-www-form-urlencoded"

    struct Harness {
        let clock = ManualClock()
        let gate: AdminGate<BasicAdminRequestContext>
        let app: Application<RouterResponder<BasicAdminRequestContext>>

        init(settings: AdminSettings = Fixtures.settings, logger: Logger = Logger(label: "test")) {
            gate = AdminGate(settings: settings, logger: logger, now: clock.reading)
            let router = Router(context: BasicAdminRequestContext.self)
            let pages = gate.install(on: router)
            pages.get("overview") { _, context in
                "overview for \(context.admin?.user ?? "nobody") (\(context.admin?.role.rawValue ?? "-"))"
            }
            pages.get("api/overview") { _, _ in "{}" }
            pages.group("retry").add(middleware: RoleGuardMiddleware(.operator)).post { request, _ in
                var request = request
                let body = try await request.collectBody(upTo: 4096)
                return "retried \(String(buffer: body))"
            }
            router.get("client-address") { _, context in context.clientAddress ?? "unknown" }
            app = Application(router: router, logger: logger)
        }
    }

    /// Headers a page of the dashboard sends with a form.
    static func sameOrigin(_ extra: HTTPFields = [:]) -> HTTPFields {
        var headers: HTTPFields = [.origin: origin, secFetchSite: "same-origin", .contentType: formType]
        headers.append(contentsOf: extra)
        return headers
    }

    static func form(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// Logs in and answers the cookie header to send back and the session's CSRF token.
    static func logIn(_ client: some TestClientProtocol, _ harness: Harness, user: String, password: String) async throws -> (cookie: String, csrf: String) {
        let response = try await client.execute(uri: "/admin/login", method: .post, headers: sameOrigin(), body: form("user=\(user)&password=\(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"))
        #expect(response.status == .seeOther)
        let setCookie = try #require(response.headers[values: .setCookie].first)
        let pair = try #require(setCookie.split(separator: ";").first)
        let token = try #require(SecretToken(received: String(pair.split(separator: "=", maxSplits: 1).last ?? "")))
        let session = try #require(try await harness.gate.sessions.resume(token.digest, at: harness.clock.now))
        return (String(pair), session.csrfToken.text)
    }

    @Test("without a login a page redirects to the login page, the JSON and unsafe requests get 401, all with the security headers")
    func noLogin() async throws {
        let harness = Harness()
        try await harness.app.test(.router) { client in
            let page = try await client.execute(uri: "/admin/overview", method: .get)
            #expect(page.status == .seeOther && page.headers[.location] == "/admin/login")
            let json = try await client.execute(uri: "/admin/api/overview", method: .get)
            #expect(json.status == .unauthorized)
            let retry = try await client.execute(uri: "/admin/retry", method: .post, headers: Self.sameOrigin(), body: Self.form("csrf_token=x"))
            #expect(retry.status == .unauthorized)
            let forged = try await client.execute(uri: "/admin/overview", method: .get, headers: [.cookie: "broadcaster_admin=\(SecretToken.random().text)"])
            #expect(forged.status == .seeOther)
            let missing = try await client.execute(uri: "/admin/no-such-page", method: .get)
            #expect(missing.status == .notFound)
            for response in [page, json, retry, forged, missing] {
                #expect(response.headers[.contentSecurityPolicy] == SecurityHeaders.contentSecurityPolicy)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
                #expect(response.headers[.cacheControl] == "no-store")
            }
        }
    }

    @Test("a good login sets an HttpOnly, SameSite=Strict cookie scoped to /admin; the page then shows the user")
    func goodLogin() async throws {
        let harness = Harness()
        try await harness.app.test(.router) { client in
            let response = try await client.execute(uri: "/admin/login", method: .post, headers: Self.sameOrigin(), body: Self.form("user=alice&password=correct+horse+battery+staple"))
            #expect(response.status == .seeOther && response.headers[.location] == "/admin")
            let setCookie = try #require(response.headers[values: .setCookie].first)
            let attributes = setCookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(attributes.first?.hasPrefix("broadcaster_admin=") == true)
            #expect(Set(attributes.dropFirst()) == ["Path=/admin", "Max-Age=28800", "HttpOnly", "SameSite=Strict"])
            #expect(response.headers[.contentSecurityPolicy] == SecurityHeaders.contentSecurityPolicy)
            let cookie = String(attributes.first ?? "")
            let page = try await client.execute(uri: "/admin/overview", method: .get, headers: [.cookie: cookie])
            #expect(page.status == .ok && String(buffer: page.body) == "overview for alice (operator)")
            #expect(page.headers[.cacheControl] == "no-store")
        }
    }

    @Test("over TLS the cookie is Secure and __Host- prefixed (so Path=/)")
    func secureCookie() async throws {
        var settings = Fixtures.settings
        settings.publicOrigin = "https://admin.example.com"
        settings.servedOverTLS = true
        let harness = Harness(settings: settings)
        try await harness.app.test(.router) { client in
            let response = try await client.execute(uri: "/admin/login", method: .post, headers: [.origin: "https://admin.example.com", .contentType: Self.formType], body: Self.form("user=bob&password=bob%27s+own+password"))
            #expect(response.status == .seeOther)
            let setCookie = try #require(response.headers[values: .setCookie].first)
            let attributes = setCookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(attributes.first?.hasPrefix("__Host-broadcaster_admin=") == true)
            #expect(Set(attributes.dropFirst()) == ["Path=/", "Max-Age=28800", "HttpOnly", "SameSite=Strict", "Secure"])
            let page = try await client.execute(uri: "/admin/overview", method: .get, headers: [.cookie: String(attributes.first ?? "")])
            #expect(page.status == .ok)
        }
    }

    @Test("a wrong password and an unknown user get the same 401 and no cookie; a login from another origin is refused")
    func badLogin() async throws {
        let harness = Harness()
        try await harness.app.test(.router) { client in
            let wrong = try await client.execute(uri: "/admin/login", method: .post, headers: Self.sameOrigin(), body: Self.form("user=alice&password=nope"))
            let unknown = try await client.execute(uri: "/admin/login", method: .post, headers: Self.sameOrigin(), body: Self.form("user=mallory&password=nope"))
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(String(buffer: wrong.body) == String(buffer: unknown.body))
            #expect(String(buffer: wrong.body).contains(LoginRoutes<BasicAdminRequestContext>.refusedMessage))
            #expect(wrong.headers[values: .setCookie].isEmpty && unknown.headers[values: .setCookie].isEmpty)
            let crossSite = try await client.execute(uri: "/admin/login", method: .post, headers: [.origin: "https://evil.example", .contentType: Self.formType], body: Self.form("user=alice&password=correct+horse+battery+staple"))
            #expect(crossSite.status == .forbidden && crossSite.headers[values: .setCookie].isEmpty)
            let extra = try await client.execute(uri: "/admin/login", method: .post, headers: Self.sameOrigin(), body: Self.form("user=alice&password=x&role=operator"))
            #expect(extra.status == .badRequest)
            let json = try await client.execute(uri: "/admin/login", method: .post, headers: [.origin: Self.origin, .contentType: "application/json"], body: Self.form(#"{"user":"alice"}"#))
            #expect(json.status == .unsupportedMediaType)
            let huge = try await client.execute(uri: "/admin/login", method: .post, headers: Self.sameOrigin(), body: Self.form("user=alice&password=" + String(repeating: "a", count: 5000)))
            #expect(huge.status == .contentTooLarge)
        }
    }

    @Test("a viewer on an operator route gets 403; the operator gets through with the CSRF token")
    func roles() async throws {
        let harness = Harness()
        try await harness.app.test(.router) { client in
            let bob = try await Self.logIn(client, harness, user: "bob", password: Fixtures.bobPassword)
            let viewer = try await client.execute(uri: "/admin/retry", method: .post, headers: Self.sameOrigin([.cookie: bob.cookie]), body: Self.form("csrf_token=\(bob.csrf)&id=1"))
            #expect(viewer.status == .forbidden)
            let alice = try await Self.logIn(client, harness, user: "alice", password: Fixtures.alicePassword)
            let operatorRetry = try await client.execute(uri: "/admin/retry", method: .post, headers: Self.sameOrigin([.cookie: alice.cookie]), body: Self.form("csrf_token=\(alice.csrf)&id=1"))
            #expect(operatorRetry.status == .ok)
            // The form reached the handler whole after the guard read it.
            #expect(String(buffer: operatorRetry.body) == "retried csrf_token=\(alice.csrf)&id=1")
            let byHeader = try await client.execute(uri: "/admin/retry", method: .post, headers: [.cookie: alice.cookie, Self.secFetchSite: "same-origin", .csrfToken: alice.csrf], body: Self.form("{}"))
            #expect(byHeader.status == .ok)
        }
    }

    @Test("an unsafe request without the CSRF token, with another session's, or from another origin gets 403")
    func csrf() async throws {
        let harness = Harness()
        try await harness.app.test(.router) { client in
            let alice = try await Self.logIn(client, harness, user: "alice", password: Fixtures.alicePassword)
            let bob = try await Self.logIn(client, harness, user: "bob", password: Fixtures.bobPassword)
            let refused: [(HTTPFields, String)] = [
                (Self.sameOrigin([.cookie: alice.cookie]), "id=1"),
                (Self.sameOrigin([.cookie: alice.cookie]), "csrf_token=&id=1"),
                (Self.sameOrigin([.cookie: alice.cookie]), "csrf_token=\(bob.csrf)&id=1"),
                (Self.sameOrigin([.cookie: alice.cookie]), "csrf_token=\(alice.csrf)&csrf_token=\(alice.csrf)"),
                ([.cookie: alice.cookie, .origin: "https://evil.example", .contentType: Self.formType], "csrf_token=\(alice.csrf)"),
                ([.cookie: alice.cookie, Self.secFetchSite: "cross-site", .contentType: Self.formType], "csrf_token=\(alice.csrf)"),
                ([.cookie: alice.cookie, .contentType: Self.formType], "csrf_token=\(alice.csrf)"),
            ]
            for (headers, body) in refused {
                let response = try await client.execute(uri: "/admin/retry", method: .post, headers: headers, body: Self.form(body))
                #expect(response.status == .forbidden, "\(headers) \(body)")
                #expect(response.headers[.contentSecurityPolicy] == SecurityHeaders.contentSecurityPolicy)
            }
        }
    }

    @Test("logout needs the CSRF token, ends the session on the server and clears the cookie")
    func logout() async throws {
        let harness = Harness()
        try await harness.app.test(.router) { client in
            let alice = try await Self.logIn(client, harness, user: "alice", password: Fixtures.alicePassword)
            let forged = try await client.execute(uri: "/admin/logout", method: .post, headers: Self.sameOrigin([.cookie: alice.cookie]), body: Self.form(""))
            #expect(forged.status == .forbidden)
            #expect(try await client.execute(uri: "/admin/overview", method: .get, headers: [.cookie: alice.cookie]).status == .ok)
            let out = try await client.execute(uri: "/admin/logout", method: .post, headers: Self.sameOrigin([.cookie: alice.cookie]), body: Self.form("csrf_token=\(alice.csrf)"))
            #expect(out.status == .seeOther && out.headers[.location] == "/admin/login")
            let cleared = try #require(out.headers[values: .setCookie].first)
            #expect(cleared.hasPrefix("broadcaster_admin=;") && cleared.contains("Max-Age=0"))
            // The browser kept the old cookie: the server no longer knows it.
            let after = try await client.execute(uri: "/admin/overview", method: .get, headers: [.cookie: alice.cookie])
            #expect(after.status == .seeOther)
        }
    }

    @Test("a session ends when idle and at its lifetime, on the injected clock")
    func expiry() async throws {
        let harness = Harness()
        try await harness.app.test(.router) { client in
            let alice = try await Self.logIn(client, harness, user: "alice", password: Fixtures.alicePassword)
            harness.clock.advance(1799)
            #expect(try await client.execute(uri: "/admin/overview", method: .get, headers: [.cookie: alice.cookie]).status == .ok)
            harness.clock.advance(1800)
            #expect(try await client.execute(uri: "/admin/overview", method: .get, headers: [.cookie: alice.cookie]).status == .seeOther)
            let again = try await Self.logIn(client, harness, user: "alice", password: Fixtures.alicePassword)
            for _ in 0..<16 {
                harness.clock.advance(1700)
                #expect(try await client.execute(uri: "/admin/overview", method: .get, headers: [.cookie: again.cookie]).status == .ok)
            }
            harness.clock.advance(1700)
            #expect(try await client.execute(uri: "/admin/overview", method: .get, headers: [.cookie: again.cookie]).status == .seeOther)
        }
    }

    @Test("a user removed from the configuration loses the session")
    func removedUser() async throws {
        let harness = Harness()
        let sessions = harness.gate.sessions
        let (token, _) = try await sessions.create(user: "carol", at: harness.clock.now)
        try await harness.app.test(.router) { client in
            let response = try await client.execute(uri: "/admin/overview", method: .get, headers: [.cookie: "broadcaster_admin=\(token.text)"])
            #expect(response.status == .seeOther)
        }
        #expect(try await sessions.resume(token.digest, at: harness.clock.now) == nil)
    }

    @Test("too many logins: 429 with Retry-After, even with the right password, until the wait is over")
    func rateLimited() async throws {
        let harness = Harness()
        try await harness.app.test(.router) { client in
            for _ in 0..<5 {
                let response = try await client.execute(uri: "/admin/login", method: .post, headers: Self.sameOrigin(), body: Self.form("user=alice&password=guess"))
                #expect(response.status == .unauthorized)
            }
            let limited = try await client.execute(uri: "/admin/login", method: .post, headers: Self.sameOrigin(), body: Self.form("user=alice&password=correct+horse+battery+staple"))
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "60")
            #expect(limited.headers[values: .setCookie].isEmpty)
            harness.clock.advance(60)
            let later = try await client.execute(uri: "/admin/login", method: .post, headers: Self.sameOrigin(), body: Self.form("user=alice&password=correct+horse+battery+staple"))
            #expect(later.status == .seeOther)
        }
    }

    @Test("on a real server the client's address has its own login bucket, across user names")
    func perAddressLive() async throws {
        var settings = Fixtures.settings
        settings.loginBurstPerAddress = 2
        let harness = Harness(settings: settings)
        try await harness.app.test(.live) { client in
            for user in ["alice", "bob"] {
                let response = try await client.execute(uri: "/admin/login", method: .post, headers: Self.sameOrigin(), body: Self.form("user=\(user)&password=guess"))
                #expect(response.status == .unauthorized)
            }
            let third = try await client.execute(uri: "/admin/login", method: .post, headers: Self.sameOrigin(), body: Self.form("user=carol&password=guess"))
            #expect(third.status == .tooManyRequests && third.headers[.retryAfter] == "6")
            // The bucket was the peer's own, not the one clients of unknown address share.
            let address = try await client.execute(uri: "/client-address", method: .get)
            #expect(String(buffer: address.body) == "127.0.0.1")
        }
    }

    @Test("with no users configured nobody logs in, and start-up says so")
    func noUsers() async throws {
        let logs = LogCapture()
        let harness = Harness(settings: AdminSettings(), logger: logs.logger)
        #expect(logs.all.contains { $0.hasPrefix("warning") && $0.contains("nobody can log in") })
        try await harness.app.test(.router) { client in
            let response = try await client.execute(uri: "/admin/login", method: .post, headers: Self.sameOrigin(), body: Self.form("user=alice&password=correct+horse+battery+staple"))
            #expect(response.status == .unauthorized)
        }
    }

    @Test("no password, hash, session token or CSRF token reaches the log or a response body")
    func noSecrets() async throws {
        let logs = LogCapture()
        let harness = Harness(logger: logs.logger)
        let (bodies, sessionSecrets) = try await harness.app.test(.router) { client in
            var bodies: [String] = []
            let alice = try await Self.logIn(client, harness, user: "alice", password: Fixtures.alicePassword)
            let requests: [(String, HTTPRequest.Method, HTTPFields, String)] = [
                ("/admin/login", .post, Self.sameOrigin(), "user=alice&password=correct+horse+battery+stapler"),
                ("/admin/login", .post, Self.sameOrigin(), "user=correct+horse+battery+staple&password=x"),
                ("/admin/overview", .get, [.cookie: alice.cookie], ""),
                ("/admin/retry", .post, Self.sameOrigin([.cookie: alice.cookie]), "csrf_token=\(alice.csrf)x"),
                ("/admin/retry", .post, Self.sameOrigin([.cookie: alice.cookie]), "csrf_token=\(alice.csrf)"),
                ("/admin/logout", .post, Self.sameOrigin([.cookie: alice.cookie]), "csrf_token=\(alice.csrf)"),
            ]
            for (uri, method, headers, body) in requests {
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: Self.form(body))
                // The retry handler here echoes its form on purpose; everything else must not.
                if uri != "/admin/retry" || response.status != .ok { bodies.append(String(buffer: response.body)) }
            }
            return (bodies, [String(alice.cookie.split(separator: "=").last ?? "unset"), alice.csrf])
        }
        let secrets = [Fixtures.alicePassword, "correct+horse", Fixtures.aliceHash, Fixtures.bobHash, String(Fixtures.aliceHash.dropFirst(7))] + sessionSecrets
        #expect(logs.all.contains { $0.contains("alice logged in") })
        for secret in secrets {
            #expect(!logs.all.contains { $0.contains(secret) }, "a log line holds a secret")
            #expect(!bodies.contains { $0.contains(secret) }, "a response body holds a secret")
        }
    }
}
