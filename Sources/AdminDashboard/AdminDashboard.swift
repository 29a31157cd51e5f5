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
import Logging
import NIOCore
import StatusStore

/// The admin dashboard: pages and JSON over the status store, behind `AdminGate`.
///
/// ```swift
/// let gate = AdminGate<BasicAdminRequestContext>(settings: configuration.admin, logger: logger)
/// let dashboard = try AdminDashboard(store: store, retryActions: actions, settings: DashboardSettings(configuration: configuration), facts: facts)
/// let router = Router(context: BasicAdminRequestContext.self)
/// dashboard.install(on: router, gate: gate)
/// ```
///
/// It reads the store and never writes a request's status: retries go through the injected
/// `RetryActions`, which produce new requests and write links and the audit.
public struct AdminDashboard: Sendable {
    let store: any StatusStore & AdminOverviewReads
    let retryActions: any RetryActions
    let settings: DashboardSettings
    let facts: BackgroundFacts
    let renderer: PageRenderer
    let now: @Sendable () -> Date

    public init(
        store: any StatusStore & AdminOverviewReads, retryActions: any RetryActions, settings: DashboardSettings, facts: BackgroundFacts,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.store = store
        self.retryActions = retryActions
        self.settings = settings
        self.facts = facts
        self.now = now
        renderer = try PageRenderer()
    }

    /// Adds the login page, the assets, and every page and JSON route behind the gate.
    public func install<Context: AdminRequestContext>(on router: Router<Context>, gate: AdminGate<Context>) {
        // Outside the gate's middleware, so that it sees the login's answer as a response.
        router.add(middleware: LoginFormRedirectMiddleware())
        let pages = gate.install(on: router)
        AssetRoutes<Context>().add(to: router)
        LoginPageRoutes<Context>(renderer: renderer).add(to: router)
        OverviewRoutes<Context>(dashboard: self).add(to: pages)
        RequestRoutes<Context>(dashboard: self).add(to: pages)
        RetryRoutes<Context>(dashboard: self).add(to: pages)
        BulkRetryRoutes<Context>(dashboard: self).add(to: pages)
        AuditRoutes<Context>(dashboard: self).add(to: pages)
        OpenAPIRoutes<Context>().add(to: pages)
    }

    var finder: RequestFinder { RequestFinder(store: store, callers: settings.callers) }
    var overview: OverviewAssembler { OverviewAssembler(store: store, facts: facts, stuckAfter: settings.stuckAfter, now: now) }
    var details: DetailAssembler { DetailAssembler(store: store, settings: settings, now: now) }
}

/// The query string's fields, or nil when it is not a valid query.
func queryFields(_ request: Request) -> [(name: String, value: String)]? {
    guard let fields = try? URLEncodedForm.parse(request.uri.query ?? "") else { return nil }
    return fields.map { ($0.name, $0.value) }
}

/// A urlencoded form's fields (the CSRF guard already read the body and left it in place).
func formFields(_ request: Request, upTo limit: Int = 65_536) async throws -> [(name: String, value: String)] {
    guard URLEncodedForm.isForm(request.headers[.contentType]) else {
        throw HTTPError(.unsupportedMediaType, message: "send the form as application/x-www-form-urlencoded")
    }
    var request = request
    let body = try await request.collectBody(upTo: limit)
    guard let fields = try? URLEncodedForm.parse(body) else {
        throw HTTPError(.badRequest, message: "the form is not valid application/x-www-form-urlencoded")
    }
    return fields.map { ($0.name, $0.value) }
}
