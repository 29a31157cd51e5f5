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

/// `GET /admin/requests/{id}/retry`, the confirmation with a fresh chain check, and its form's
/// `POST`, which retries once per click key. Operators only; the POST passed the gate's CSRF
/// and origin checks before it gets here.
struct RetryRoutes<Context: AdminRequestContext>: Sendable {
    let dashboard: AdminDashboard

    static var maxReasonLength: Int { 500 }

    struct RetryPage {
        struct Allowed {
            var checked: TimeView
            var hashCount: Int
            var hashes: [String]
            var nonce: UInt64
            var chainLatestNonce: UInt64
            var takenBy: String
            var clickKey: String
        }

        var id: String
        var allowed: Allowed?
        var refusal: String?
        var csrfToken: String?
    }

    /// What took the nonce, for the confirmation's sentence.
    static func takenBy(_ evidence: ChainEvidence) -> String {
        switch evidence.nonceTakenBy {
        case .cancellation(let hash): "its cancellation \(hash) took it, so the call never ran"
        case .revertedCall(let hash): "its call \(hash) took it and reverted, so the call had no effect"
        case .anotherTransaction: "a transaction that is none of its versions took it"
        }
    }

    func add(to pages: RouterGroup<Context>) {
        let retry = pages.group("requests/:id/retry").add(middleware: RoleGuardMiddleware<Context>(.operator))
        retry.get { _, context in
            guard let id = context.parameters.get("id").flatMap(RequestID.init) else { return notAnID(context) }
            let preview = await dashboard.retryActions.preview(id)
            var page = RetryPage(id: id.description, allowed: nil, refusal: nil, csrfToken: context.admin?.csrfToken.text)
            switch preview.verdict {
            case .allowed(let evidence):
                guard let key = preview.clickKey else {
                    page.refusal = "the retry check gave no click key; reload this page"
                    break
                }
                page.allowed = .init(
                    checked: TimeView(evidence.checkedAt, now: dashboard.now()), hashCount: evidence.hashesChecked.count,
                    hashes: evidence.hashesChecked.map(\.description), nonce: evidence.nonce.value,
                    chainLatestNonce: evidence.chainLatestNonce.value, takenBy: Self.takenBy(evidence), clickKey: key.text)
            case .refused(let refusal):
                page.refusal = refusal.message
            }
            let status: HTTPResponse.Status = page.allowed == nil ? .conflict : .ok
            return dashboard.renderer.page("retry", page, title: "Retry \(id)", admin: context.admin, status: status)
        }
        retry.post { request, context in
            guard let id = context.parameters.get("id").flatMap(RequestID.init) else { return notAnID(context) }
            let fields = try await formFields(request)
            func value(_ name: String) -> String? { fields.first { $0.name == name }?.value }
            guard let keyText = value("click_key"), let key = RetryClickKey(keyText) else {
                return dashboard.renderer.problem(
                    .badRequest, heading: "Retry not confirmed", message: "the form had no valid click key",
                    hint: "open the retry page again and confirm from there", back: "/admin/requests/\(id)/retry",
                    backLabel: "To the retry page", admin: context.admin)
            }
            let reason = value("reason")?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (reason?.count ?? 0) <= Self.maxReasonLength else {
                return dashboard.renderer.problem(
                    .badRequest, heading: "Retry not confirmed", message: "the reason is longer than \(Self.maxReasonLength) characters",
                    back: "/admin/requests/\(id)/retry", backLabel: "To the retry page", admin: context.admin)
            }
            let user = context.admin?.user ?? "unknown"
            switch await dashboard.retryActions.confirm(id, clickKey: key, by: user, reason: reason?.isEmpty == false ? reason : nil) {
            case .success(let outcome):
                context.logger.notice("admin: \(user) retried \(id) as \(outcome.retry)\(outcome.repeated ? " (a repeated click)" : "")")
                return PageRenderer.redirect("/admin/requests/\(outcome.retry)")
            case .failure(let refusal):
                return dashboard.renderer.problem(
                    .conflict, heading: "Not retried", message: refusal.message, hint: Self.hint(refusal.reason),
                    back: "/admin/requests/\(id)", backLabel: "Back to the request", admin: context.admin)
            }
        }
    }

    private func notAnID(_ context: Context) -> Response {
        dashboard.renderer.problem(
            .badRequest, heading: "Not a request id", message: "a request id is a UUID", back: "/admin/requests", backLabel: "To the list",
            admin: context.admin)
    }

    /// What the operator can do after a refusal.
    static func hint(_ reason: RetryRefusal.Reason) -> String {
        switch reason {
        case .alreadyRetried(let retry): "it was retried already, as \(retry); follow that request instead"
        case .mined: "a version of it is mined: nothing to retry; check the receipt on its page"
        case .nonceOpen: "wait until the chain has consumed its nonce (another transaction of the sender is mined at it), then try again"
        case .chainUnavailable: "the node did not answer the check; try again in a minute"
        case .notAcknowledged: "the broker did not acknowledge the new request; confirm again from the retry page: the same click makes the same request"
        case .storeUnavailable: "the status store did not answer; try again shortly"
        case .notAdmitted: "its message type is no longer configured as it was; send a new request through the API instead"
        case .unknownRequest, .notFailed: "only a final failed or reverted request can be retried"
        }
    }
}
