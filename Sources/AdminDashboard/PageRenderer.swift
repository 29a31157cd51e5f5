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
import Mustache
import NIOCore
import StatusStore

/// Renders the pages from the templates compiled into the binary, and JSON from the same views.
struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    /// The frame around every page: who is logged in and their CSRF token (for the logout
    /// form and the script), and the page already rendered.
    struct Chrome {
        var title: String
        var user: String?
        var role: String?
        var isOperator: Bool
        var csrfToken: String?
        var body: String
    }

    init() throws {
        var library = MustacheLibrary()
        let templates: [String: String] = [
            "layout": LayoutTemplates.layout, "login": LayoutTemplates.login, "error": LayoutTemplates.error,
            "overview": OverviewTemplate.page, "requests": RequestTemplates.list, "request": RequestTemplates.detail,
            "retry": ActionTemplates.retry, "bulk-retries": ActionTemplates.bulkList, "bulk-retry": ActionTemplates.bulkDetail,
            "audit": ActionTemplates.audit,
        ]
        for (name, text) in templates {
            try library.register(text, named: name)
        }
        self.library = library
    }

    func page(_ template: String, _ view: Any, title: String, admin: AuthenticatedAdmin?, status: HTTPResponse.Status = .ok) -> Response {
        let body = library.render(view, withTemplate: template) ?? ""
        let chrome = Chrome(
            title: title, user: admin?.user, role: admin?.role.rawValue, isOperator: admin?.role.includes(.operator) ?? false,
            csrfToken: admin?.csrfToken.text, body: body)
        let html = library.render(chrome, withTemplate: "layout") ?? ""
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page saying what went wrong and what to do, with the status it deserves.
    func problem(
        _ status: HTTPResponse.Status, heading: String, message: String, hint: String? = nil, back: String = "/admin",
        backLabel: String = "Back to the overview", admin: AuthenticatedAdmin?
    ) -> Response {
        struct Problem { var heading: String; var message: String; var hint: String?; var back: String; var backLabel: String }
        return page(
            "error", Problem(heading: heading, message: message, hint: hint, back: back, backLabel: backLabel), title: heading, admin: admin,
            status: status)
    }

    /// The page of a retry the broker acknowledged that no worker has stored yet: it says so and
    /// asks the browser to load it again in a few seconds (a header: no script needed).
    func queuedRetry(_ id: RequestID, of original: RequestID, admin: AuthenticatedAdmin?) -> Response {
        var response = problem(
            .ok, heading: "Retry queued",
            message: "request \(id) is the retry of request \(original); the message queue acknowledged it, and it shows here once a worker has taken it in",
            hint: "this page reloads every 3 seconds until then", back: "/admin/requests/\(original)",
            backLabel: "To the failed request", admin: admin)
        if let refresh = HTTPField.Name("Refresh") { response.headers[refresh] = "3" }
        return response
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON error, in the shape every `/admin/api` error has.
    static func jsonError(_ status: HTTPResponse.Status, _ message: String) -> Response {
        struct Failure: Encodable { var error: String }
        return (try? json(Failure(error: message), status: status)) ?? Response(status: status)
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
