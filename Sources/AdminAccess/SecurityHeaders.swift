import HTTPTypes
import Hummingbird
import Logging

/// The headers every admin response carries, whatever produced it (a page, a redirect, an error).
public enum SecurityHeaders {
    /// No inline script or style, nothing from elsewhere, no framing, forms only to ourselves.
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// The fixed set; `Cache-Control: no-store` is added unless the response chose its own
    /// (a static asset may be cached; a page showing requests must not be).
    public static let fixed: [(HTTPField.Name, String)] = [
        (.contentSecurityPolicy, contentSecurityPolicy),
        (.xContentTypeOptions, "nosniff"),
        // Not no-referrer: under it a browser sends `Origin: null` with the dashboard's own form
        // posts, which the origin check refuses (headless Chromium did). same-origin still sends
        // nothing to other sites.
        (.referrerPolicy, "same-origin"),
        (.xFrameOptions, "DENY"),
        (.crossOriginOpenerPolicy, "same-origin"),
    ]

    public static func apply(to headers: inout HTTPFields) {
        for (name, value) in fixed {
            headers[name] = value
        }
        if headers[.cacheControl] == nil {
            headers[.cacheControl] = "no-store"
        }
    }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let crossOriginOpenerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    /// Where a script sends the CSRF token (forms send the `csrf_token` field).
    public static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}

/// Puts `SecurityHeaders` on every response, errors included: an error thrown further in is
/// turned into its response here, so that it leaves with the headers too.
public struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            context.logger.error("admin request failed: \(String(describing: type(of: error)))")
            response = Response(status: .internalServerError)
        }
        SecurityHeaders.apply(to: &response.headers)
        return response
    }
}
