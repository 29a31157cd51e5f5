import BroadcasterConfig
import Foundation
import Hummingbird

/// The session cookie's name and attributes. HttpOnly (no script reads it), SameSite=Strict (no
/// other site's page sends it). Over TLS it is Secure and named with the `__Host-` prefix, which
/// browsers only accept from a secure origin, for this host only, with `Path=/`: no sibling
/// subdomain can plant one. Without TLS it is scoped to `Path=/admin`.
public struct SessionCookie: Sendable, Equatable {
    public let secure: Bool
    public let maxAge: Duration

    public init(secure: Bool, maxAge: Duration) {
        self.secure = secure
        self.maxAge = maxAge
    }

    public init(_ settings: AdminSettings) {
        self.init(secure: settings.servedOverTLS, maxAge: settings.sessionLifetime)
    }

    public var name: String { secure ? "__Host-broadcaster_admin" : "broadcaster_admin" }
    public var path: String { secure ? "/" : "/admin" }

    /// The `Set-Cookie` value that gives the browser `token`.
    public func issuing(_ token: SecretToken) -> String {
        attributes(value: token.text, maxAge: Int(clamping: maxAge.components.seconds))
    }

    /// The `Set-Cookie` value that makes the browser drop it.
    public var clearing: String {
        attributes(value: "", maxAge: 0)
    }

    /// The token a request presents: nil unless exactly one cookie of this name holds
    /// something shaped like a token.
    public func token(in request: Request) -> SecretToken? {
        let values = request.headers[values: .cookie]
            .flatMap { $0.split(separator: ";") }
            .compactMap { pair -> Substring? in
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == Substring(name) else { return nil }
                return trimmed[trimmed.index(after: equals)...]
            }
        guard values.count == 1, let value = values.first else { return nil }
        return SecretToken(received: String(value))
    }

    private func attributes(value: String, maxAge: Int) -> String {
        var text = "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
        if secure { text += "; Secure" }
        return text
    }
}
