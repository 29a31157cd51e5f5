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

/// `GET /admin/requests`, `GET /admin/requests/{id}` and their JSON under `/admin/api/requests`.
struct RequestRoutes<Context: AdminRequestContext>: Sendable {
    let dashboard: AdminDashboard

    func add(to pages: RouterGroup<Context>) {
        pages.get("requests") { request, context in
            let listing = try await list(request, context)
            let status: HTTPResponse.Status = listing.problems.isEmpty ? .ok : .badRequest
            return dashboard.renderer.page("requests", listing, title: "Requests", admin: context.admin, status: status)
        }
        pages.get("api/requests") { request, context in
            let listing = try await list(request, context)
            guard listing.problems.isEmpty else {
                return PageRenderer.jsonError(.badRequest, listing.problems.joined(separator: "; "))
            }
            return try PageRenderer.json(ListJSON(rows: listing.rows, next: listing.nextToken, searchedAs: listing.searchedAs))
        }
        pages.get("requests/:id") { _, context in
            guard let id = context.parameters.get("id").flatMap(RequestID.init) else {
                return dashboard.renderer.problem(
                    .badRequest, heading: "Not a request id", message: "a request id is a UUID such as 0f0e6c1a-…",
                    hint: "search for part of it in the list instead", back: "/admin/requests", backLabel: "To the list", admin: context.admin)
            }
            guard let view = try await dashboard.details.detail(id, role: context.admin?.role) else {
                if let original = try await dashboard.store.retryOrigin(of: id) {
                    return dashboard.renderer.queuedRetry(id, of: original, admin: context.admin)
                }
                return dashboard.renderer.problem(
                    .notFound, heading: "No such request", message: "no request \(id) is stored",
                    hint: "a request the API accepted appears once a worker has consumed it; search for it in the list",
                    back: "/admin/requests", backLabel: "To the list", admin: context.admin)
            }
            return dashboard.renderer.page("request", view, title: "Request \(id)", admin: context.admin)
        }
        pages.get("api/requests/:id") { _, context in
            guard let id = context.parameters.get("id").flatMap(RequestID.init) else {
                return PageRenderer.jsonError(.badRequest, "not a request id (a UUID)")
            }
            guard let view = try await dashboard.details.detail(id, role: context.admin?.role) else {
                return PageRenderer.jsonError(.notFound, "no request \(id) is stored")
            }
            return try PageRenderer.json(view)
        }
    }

    struct ListJSON: Encodable {
        var rows: [RowView]
        /// Pass as `after` for the next page; absent on the last.
        var next: String?
        var searchedAs: String?
    }

    private func list(_ request: Request, _ context: Context) async throws -> ListPage {
        let isOperator = context.admin?.role.includes(.operator) ?? false
        guard let fields = queryFields(request) else {
            return ListPage(fields: [], filters: ListFilters(), found: nil, settings: dashboard.settings, isOperator: isOperator,
                            extraProblem: "the address bar's query is not valid; start again from the list")
        }
        let filters = ListFilters(fields: fields)
        guard filters.problems.isEmpty else {
            return ListPage(fields: fields, filters: filters, found: nil, settings: dashboard.settings, isOperator: isOperator)
        }
        let found = try await dashboard.finder.find(filters, limit: dashboard.settings.pageSize)
        return ListPage(fields: fields, filters: filters, found: found, settings: dashboard.settings, isOperator: isOperator, now: dashboard.now())
    }
}

/// What the list page shows: the filters as typed, the rows, the links that keep the filters.
struct ListPage {
    struct Option { var name: String; var checked: Bool }
    struct Echo { var q, sender, contract, type, from, to, caller: String? }

    var filters: Echo
    var statusOptions: [Option]
    var showCaller: Bool
    var problems: [String]
    var searchedAs: String?
    var rows: [RowView]
    var nextToken: String?
    var nextPageURL: String?
    var firstPageURL: String?
    var bulkURL: String?
    var isOperator: Bool

    init(
        fields: [(name: String, value: String)], filters parsed: ListFilters, found: RequestFinder.Found?, settings: DashboardSettings,
        isOperator: Bool, now: Date = Date(), extraProblem: String? = nil
    ) {
        func raw(_ name: String) -> String? { fields.last { $0.name == name }?.value }
        filters = Echo(q: raw("q"), sender: raw("sender"), contract: raw("contract"), type: raw("type"), from: raw("from"), to: raw("to"), caller: raw("caller"))
        let checked = Set(fields.filter { $0.name == "status" }.flatMap { $0.value.split(separator: ",").map(String.init) })
        statusOptions = OverviewAssembler.order.map { Option(name: $0.rawValue, checked: checked.contains($0.rawValue)) }
        showCaller = settings.callers.count > 1
        problems = parsed.problems + [extraProblem, found?.problem].compactMap { $0 }
        searchedAs = found?.searchedAs
        rows = found?.page.rows.map { RowView($0, now: now) } ?? []
        nextToken = found?.page.next?.token
        let kept = parsed.fields
        nextPageURL = nextToken.map { "/admin/requests?" + URLQuery.encode(kept + [("after", $0)]) }
        firstPageURL = parsed.after == nil ? nil : "/admin/requests" + (kept.isEmpty ? "" : "?" + URLQuery.encode(kept))
        var bulk = kept.filter { $0.name != "status" && $0.name != "q" && $0.name != "caller" }
        bulk += [("status", "failed"), ("status", "reverted")]
        bulkURL = "/admin/bulk-retries?" + URLQuery.encode(bulk)
        self.isOperator = isOperator
    }
}
