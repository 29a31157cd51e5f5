import ABI
import AdminAccess
import AdminActions
import AdminDashboard
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Lifecycle
import Logging
import NIOCore
import SQLiteStore
import StatusStore
import Testing

/// The dashboard on a router over a real SQLite file, with an operator and a viewer.
struct DashboardHarness {
    static let origin = "http://127.0.0.1:8081"
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    static let operatorPassword = "operator's long password"
    static let viewerPassword = "viewer's long password"
    static let operatorHash = Bcrypt.hash(operatorPassword, cost: 10)
    static let viewerHash = Bcrypt.hash(viewerPassword, cost: 10)
    static let explorer = "https://explorer.example/tx/{hash}"

    let filled: FilledStore
    let retry = RecordingRetryActions()
    let gate: AdminGate<BasicAdminRequestContext>
    let app: Application<RouterResponder<BasicAdminRequestContext>>

    var store: SQLiteStatusStore { filled.store }

    static var configuration: BroadcasterConfiguration {
        var configuration = BroadcasterConfiguration()
        configuration.messageTypes = [
            MessageTypeSettings(name: "add_weight", signature: try! FunctionSignature(parsing: StoreFill.addWeight), contract: StoreFill.contract, signers: ["main"]),
            MessageTypeSettings(name: "set_name", signature: try! FunctionSignature(parsing: StoreFill.setName), contract: StoreFill.contract, signers: ["main"]),
        ]
        configuration.admin.users = [
            AdminUser(name: "otto", passwordHash: try! BcryptHash(parsing: operatorHash), role: .operator),
            AdminUser(name: "vera", passwordHash: try! BcryptHash(parsing: viewerHash), role: .viewer),
        ]
        configuration.admin.explorerTransactionURL = explorer
        return configuration
    }

    /// Runs `body` with a fresh store file in a temporary folder, removed afterwards.
    static func with<T>(
        pageSize: Int = 50, callers: [String] = ["open"], stuckAfter: Duration = .seconds(600), _ body: (DashboardHarness) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let filled = try await FilledStore(path: directory.appendingPathComponent("status.sqlite").path)
        let harness = try DashboardHarness(filled: filled, pageSize: pageSize, callers: callers, stuckAfter: stuckAfter)
        return try await body(harness)
    }

    init(filled: FilledStore, pageSize: Int, callers: [String], stuckAfter: Duration) throws {
        self.filled = filled
        let logger = Logger(label: "dashboard-test")
        let configuration = Self.configuration
        gate = AdminGate(settings: configuration.admin, logger: logger)
        let facts = BackgroundFacts(store: filled.store, chain: nil, broker: nil, logger: logger)
        let dashboard = try AdminDashboard(
            store: filled.store, retryActions: retry,
            settings: DashboardSettings(configuration: configuration, callers: callers, stuckAfter: stuckAfter, pageSize: pageSize), facts: facts)
        let router = Router(context: BasicAdminRequestContext.self)
        dashboard.install(on: router, gate: gate)
        app = Application(router: router, logger: logger)
    }

    /// A logged-in browser: its cookie and the session's CSRF token.
    struct Session {
        var cookie: String
        var csrf: String

        /// Headers of a same-origin GET.
        var get: HTTPFields { [.cookie: cookie, DashboardHarness.secFetchSite: "same-origin"] }

        /// Headers of a form the dashboard's own page posts.
        var form: HTTPFields {
            [.cookie: cookie, .origin: DashboardHarness.origin, DashboardHarness.secFetchSite: "same-origin", .contentType: "application/x-www-form-urlencoded"]
        }
    }

    func logIn(_ client: some TestClientProtocol, operator: Bool) async throws -> Session {
        let user = `operator` ? "otto" : "vera"
        let password = `operator` ? Self.operatorPassword : Self.viewerPassword
        let body = "user=\(user)&password=\(URLEncoding.escape(password))"
        let response = try await client.execute(
            uri: "/admin/login", method: .post,
            headers: [.origin: Self.origin, Self.secFetchSite: "same-origin", .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
        #expect(response.status == .seeOther)
        let setCookie = try #require(response.headers[values: .setCookie].first)
        let pair = String(try #require(setCookie.split(separator: ";").first))
        let token = try #require(SecretToken(received: String(pair.split(separator: "=", maxSplits: 1).last ?? "")))
        let session = try #require(try await gate.sessions.resume(token.digest, at: Date()))
        return Session(cookie: pair, csrf: session.csrfToken.text)
    }
}

enum URLEncoding {
    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}

/// The request ids a list page shows, in order (each row links to its request's page).
func listedIDs(_ html: String) -> [String] {
    var ids: [String] = []
    let marker = "<td><a class=\"mono\" href=\"/admin/requests/"
    var rest = Substring(html)
    while let range = rest.range(of: marker) {
        let after = rest[range.upperBound...]
        guard let end = after.firstIndex(of: "\"") else { break }
        ids.append(String(after[..<end]))
        rest = after[end...]
    }
    return ids
}
