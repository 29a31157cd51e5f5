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

/// The bulk retry pages and their JSON, for operators: plan (a dry run stored with its frozen
/// filter), look, start, cancel. The operation runs in `RetryActions`, not in the browser.
struct BulkRetryRoutes<Context: AdminRequestContext>: Sendable {
    let dashboard: AdminDashboard

    static var defaultCap: Int { 1000 }
    static var maxCap: Int { 10_000 }
    static var maxReasonLength: Int { 500 }

    struct ListView {
        struct Echo { var sender, contract, type, from, to: String? }
        var filters: Echo
        var failedChecked: Bool
        var revertedChecked: Bool
        var operations: [BulkView]
        var defaultCap: Int
        var maxCap: Int
        var csrfToken: String?
        var problem: String?
    }

    struct DetailPage {
        var operation: OperationPage
    }

    struct OperationPage {
        var id, state, createdBy, reason, filter: String
        var created: TimeView
        var cap, planned, retried, refused: Int
        var sample: [RowView]
        var items: [BulkItemView]
        var isPlanned, isActive: Bool
        var csrfToken: String?
    }

    struct DetailJSON: Encodable {
        var operation: BulkView
        var items: [BulkItemView]
    }

    func add(to pages: RouterGroup<Context>) {
        let bulk = pages.group("bulk-retries").add(middleware: RoleGuardMiddleware<Context>(.operator))
        bulk.get { request, context in
            try await listPage(fields: queryFields(request) ?? [], context: context, problem: nil, status: .ok)
        }
        bulk.post { request, context in
            let fields = try await formFields(request)
            return try await plan(fields, context)
        }
        bulk.get(":bulk") { _, context in
            guard let id = bulkID(context) else { return notFound(context) }
            guard let operation = try await dashboard.retryActions.bulkOperation(id) else { return notFound(context) }
            let items = try await dashboard.retryActions.bulkItems(id, limit: 500, after: nil)
            let view = BulkView(operation, now: dashboard.now())
            let page = DetailPage(
                operation: OperationPage(
                    id: view.id, state: view.state, createdBy: view.createdBy, reason: view.reason, filter: view.filter, created: view.created,
                    cap: view.cap, planned: view.planned, retried: view.retried, refused: view.refused, sample: view.sample,
                    items: items.map(BulkItemView.init), isPlanned: view.isPlanned, isActive: view.isActive,
                    csrfToken: context.admin?.csrfToken.text))
            return dashboard.renderer.page("bulk-retry", page, title: "Bulk retry #\(id)", admin: context.admin)
        }
        bulk.post(":bulk/start") { _, context in
            guard let id = bulkID(context) else { return notFound(context) }
            _ = try await dashboard.retryActions.startBulk(id, by: context.admin?.user ?? "unknown")
            return PageRenderer.redirect("/admin/bulk-retries/\(id)")
        }
        bulk.post(":bulk/cancel") { _, context in
            guard let id = bulkID(context) else { return notFound(context) }
            _ = try await dashboard.retryActions.cancelBulk(id, by: context.admin?.user ?? "unknown")
            return PageRenderer.redirect("/admin/bulk-retries/\(id)")
        }

        let api = pages.group("api/bulk-retries").add(middleware: RoleGuardMiddleware<Context>(.operator))
        api.get { _, _ in
            let now = dashboard.now()
            return try PageRenderer.json(try await dashboard.retryActions.bulkOperations(limit: 100).map { BulkView($0, now: now) })
        }
        api.get(":bulk") { _, context in
            guard let id = bulkID(context), let operation = try await dashboard.retryActions.bulkOperation(id) else {
                return PageRenderer.jsonError(.notFound, "no such bulk retry")
            }
            let items = try await dashboard.retryActions.bulkItems(id, limit: 500, after: nil)
            return try PageRenderer.json(DetailJSON(operation: BulkView(operation, now: dashboard.now()), items: items.map(BulkItemView.init)))
        }
    }

    private func bulkID(_ context: Context) -> BulkRetryID? {
        context.parameters.get("bulk").flatMap { Int64($0) }.map(BulkRetryID.init)
    }

    private func notFound(_ context: Context) -> Response {
        dashboard.renderer.problem(
            .notFound, heading: "No such bulk retry", message: "no bulk retry has this number", back: "/admin/bulk-retries",
            backLabel: "To the bulk retries", admin: context.admin)
    }

    private func listPage(
        fields: [(name: String, value: String)], context: Context, problem: String?, status: HTTPResponse.Status
    ) async throws -> Response {
        func raw(_ name: String) -> String? { fields.last { $0.name == name }?.value }
        let statuses = Set(fields.filter { $0.name == "status" }.map(\.value))
        let now = dashboard.now()
        let view = ListView(
            filters: .init(sender: raw("sender"), contract: raw("contract"), type: raw("type"), from: raw("from"), to: raw("to")),
            failedChecked: statuses.isEmpty || statuses.contains("failed"), revertedChecked: statuses.isEmpty || statuses.contains("reverted"),
            operations: try await dashboard.retryActions.bulkOperations(limit: 100).map { BulkView($0, now: now) },
            defaultCap: Self.defaultCap, maxCap: Self.maxCap, csrfToken: context.admin?.csrfToken.text, problem: problem)
        return dashboard.renderer.page("bulk-retries", view, title: "Bulk retries", admin: context.admin, status: status)
    }

    private func plan(_ fields: [(name: String, value: String)], _ context: Context) async throws -> Response {
        let filterFields = fields.filter { ["status", "sender", "contract", "type", "from", "to"].contains($0.name) }
        let filters = ListFilters(fields: filterFields)
        var problems = filters.problems
        if filters.statuses.contains(where: { $0 != .failed && $0 != .reverted }) {
            problems.append("a bulk retry takes only failed or reverted requests")
        }
        let reason = fields.last { $0.name == "reason" }?.value.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if reason.isEmpty { problems.append("give a reason: it is kept in the audit with every retry") }
        if reason.count > Self.maxReasonLength { problems.append("the reason is longer than \(Self.maxReasonLength) characters") }
        let capText = fields.last { $0.name == "cap" }?.value.trimmingCharacters(in: .whitespaces) ?? ""
        let cap = capText.isEmpty ? Self.defaultCap : Int(capText) ?? -1
        if !(1...Self.maxCap).contains(cap) { problems.append("the cap must be a whole number from 1 to \(Self.maxCap)") }
        guard problems.isEmpty else {
            return try await listPage(fields: filterFields, context: context, problem: problems.joined(separator: "; "), status: .badRequest)
        }
        var query = filters.baseQuery
        if query.statuses.isEmpty { query.statuses = [.failed, .reverted] }
        let operation = try await dashboard.retryActions.planBulk(query, cap: cap, by: context.admin?.user ?? "unknown", reason: reason)
        return PageRenderer.redirect("/admin/bulk-retries/\(operation.id)")
    }
}
