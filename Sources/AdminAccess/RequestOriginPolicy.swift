import Foundation
import HTTPTypes
import Hummingbird

/// Whether a request may change anything: the pure decision behind `CSRFGuardMiddleware` and
/// `OriginGuardMiddleware`.
///
/// Only GET and HEAD are safe; everything else must show it comes from the dashboard's own
/// pages: `Sec-Fetch-Site: same-origin` when the browser sends it, an `Origin` equal to the
/// configured public origin when it sends that, and at least one of the two. With a session,
/// the session's CSRF token must come too.
public struct RequestOriginPolicy: Sendable, Equatable {
    /// `scheme://host[:port]` as `AdminSettings.publicOrigin` normalizes it.
    public let publicOrigin: String

    public init(publicOrigin: String) {
        self.publicOrigin = publicOrigin
    }

    public enum Refusal: Equatable, Sendable, CustomStringConvertible {
        /// `Sec-Fetch-Site` said something other than same-origin.
        case notSameOrigin(secFetchSite: String)
        /// `Origin` named another site (or `null`).
        case foreignOrigin
        /// Neither header: nothing shows where the request comes from.
        case noOriginEvidence
        /// A header given more than once.
        case repeatedHeader(String)
        case missingCSRFToken
        case wrongCSRFToken

        public var description: String {
            switch self {
            case .notSameOrigin(let site): "Sec-Fetch-Site is \(site), not same-origin"
            case .foreignOrigin: "Origin is not this dashboard's origin"
            case .noOriginEvidence: "neither Sec-Fetch-Site nor Origin was sent"
            case .repeatedHeader(let name): "\(name) was sent more than once"
            case .missingCSRFToken: "no CSRF token was sent"
            case .wrongCSRFToken: "the CSRF token is not this session's"
            }
        }
    }

    public static func isSafe(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head
    }

    /// The `Sec-Fetch-Site`/`Origin` check; always nil (allowed) for a safe method.
    public func originRefusal(method: HTTPRequest.Method, secFetchSite: [String], origin: [String]) -> Refusal? {
        guard !Self.isSafe(method) else { return nil }
        guard secFetchSite.count <= 1 else { return .repeatedHeader("Sec-Fetch-Site") }
        guard origin.count <= 1 else { return .repeatedHeader("Origin") }
        let site = secFetchSite.first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let origin = origin.first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if let site, site != "same-origin" { return .notSameOrigin(secFetchSite: site) }
        if let origin, origin != publicOrigin { return .foreignOrigin }
        if site == nil && origin == nil { return .noOriginEvidence }
        return nil
    }

    /// The CSRF token check for a request made in `session`; always nil for a safe method.
    public static func csrfRefusal(method: HTTPRequest.Method, expected: SecretToken, submitted: [String]) -> Refusal? {
        guard !isSafe(method) else { return nil }
        guard submitted.count <= 1 else { return .repeatedHeader("CSRF token") }
        guard let token = submitted.first, !token.isEmpty else { return .missingCSRFToken }
        return expected.matches(token) ? nil : .wrongCSRFToken
    }
}
