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

/// `GET /admin/audit` and `GET /admin/api/audit`: the audit newest first, `before=` an entry's
/// number for older ones.
struct AuditRoutes<Context: AdminRequestContext>: Sendable {
    let dashboard: AdminDashboard

    static var pageSize: Int { 100 }

    struct AuditPage: Encodable {
        var entries: [AuditEntryView]
        /// Pass as `before` for older entries; absent on the last page.
        var next: Int64?
        var nextPageURL: String?
    }

    func add(to pages: RouterGroup<Context>) {
        pages.get("audit") { request, context in
            guard let page = try await read(request) else {
                return dashboard.renderer.problem(
                    .badRequest, heading: "Not an audit page", message: "before must be an entry number", back: "/admin/audit",
                    backLabel: "To the newest entries", admin: context.admin)
            }
            return dashboard.renderer.page("audit", page, title: "Audit", admin: context.admin)
        }
        pages.get("api/audit") { request, _ in
            guard let page = try await read(request) else { return PageRenderer.jsonError(.badRequest, "before must be an entry number") }
            return try PageRenderer.json(page)
        }
    }

    private func read(_ request: Request) async throws -> AuditPage? {
        let fields = queryFields(request) ?? []
        var before: Int64?
        if let text = fields.last(where: { $0.name == "before" })?.value, !text.isEmpty {
            guard let number = Int64(text), number > 0 else { return nil }
            before = number
        }
        let records = try await dashboard.store.recentAudit(limit: Self.pageSize + 1, before: before)
        let now = dashboard.now()
        let shown = records.prefix(Self.pageSize)
        let next = records.count > Self.pageSize ? shown.last?.id : nil
        return AuditPage(entries: shown.map { AuditEntryView($0, now: now) }, next: next, nextPageURL: next.map { "/admin/audit?before=\($0)" })
    }
}
