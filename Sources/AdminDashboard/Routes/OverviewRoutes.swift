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

/// `GET /admin` and `GET /admin/api/overview`.
struct OverviewRoutes<Context: AdminRequestContext>: Sendable {
    let dashboard: AdminDashboard

    func add(to pages: RouterGroup<Context>) {
        pages.get("") { _, context in
            let view = try await dashboard.overview.overview()
            return dashboard.renderer.page("overview", view, title: "Overview", admin: context.admin)
        }
        pages.get("api/overview") { _, _ in
            try PageRenderer.json(try await dashboard.overview.overview())
        }
    }
}
