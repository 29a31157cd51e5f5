import HTTPTypes
import Hummingbird
import Logging

/// The `Sec-Fetch-Site`/`Origin` check for unsafe requests made without a session (the login form).
public struct OriginGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: RequestOriginPolicy

    public init(policy: RequestOriginPolicy) {
        self.policy = policy
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let refusal = policy.originRefusal(method: request.method, secFetchSite: request.headers[values: .secFetchSite], origin: request.headers[values: .origin]) {
            context.logger.notice("admin: refused \(request.method) \(request.uri.path): \(refusal)")
            throw HTTPError(.forbidden, message: "refused: \(refusal); submit from the dashboard's own page")
        }
        return try await next(request, context)
    }
}

/// For every unsafe request: the origin check, then the session's CSRF token, from the
/// `X-CSRF-Token` header or the `csrf_token` field of a urlencoded form (the body is read here
/// and left in the request for the handler). An unsafe request without a session is refused.
public struct CSRFGuardMiddleware<Context: AdminRequestContext>: RouterMiddleware {
    let policy: RequestOriginPolicy
    let maxFormBytes: Int

    public init(policy: RequestOriginPolicy, maxFormBytes: Int = 65_536) {
        self.policy = policy
        self.maxFormBytes = maxFormBytes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !RequestOriginPolicy.isSafe(request.method) else { return try await next(request, context) }
        var request = request
        if let refusal = policy.originRefusal(method: request.method, secFetchSite: request.headers[values: .secFetchSite], origin: request.headers[values: .origin]) {
            throw refused(refusal, request, context)
        }
        guard let admin = context.admin else {
            throw HTTPError(.unauthorized, message: "log in first")
        }
        var submitted = request.headers[values: .csrfToken]
        if submitted.isEmpty, URLEncodedForm.isForm(request.headers[.contentType]) {
            let body = try await request.collectBody(upTo: maxFormBytes)
            guard let fields = try? URLEncodedForm.parse(body) else {
                throw HTTPError(.badRequest, message: "the form is not valid application/x-www-form-urlencoded")
            }
            submitted = fields.filter { $0.name == URLEncodedForm.csrfField }.map(\.value)
        }
        if let refusal = RequestOriginPolicy.csrfRefusal(method: request.method, expected: admin.csrfToken, submitted: submitted) {
            throw refused(refusal, request, context)
        }
        return try await next(request, context)
    }

    private func refused(_ refusal: RequestOriginPolicy.Refusal, _ request: Request, _ context: Context) -> HTTPError {
        context.logger.notice("admin: refused \(request.method) \(request.uri.path): \(refusal)")
        return HTTPError(.forbidden, message: "refused: \(refusal); submit from the dashboard's own page (reload it if the session changed)")
    }
}
