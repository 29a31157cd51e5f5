import Crypto
import Foundation
import EVMPrimitives
import HTTPTypes
import Hummingbird

/// Who is calling: the SHA-256 of the presented API key, or nobody when keys are not configured.
struct CallerIdentity: Hashable, Sendable {
    /// Hex SHA-256 of the key; "open" when the API needs no key.
    let name: String

    static let open = CallerIdentity(name: "open")
}

/// Checks `Authorization: Bearer <key>` or `X-API-Key: <key>` against the configured SHA-256
/// digests. Digests are compared in constant time, and every digest is compared, so timing
/// tells nothing about which or how many bytes matched.
struct APIKeyCheck: Sendable {
    let digests: [[UInt8]]

    static let apiKeyHeader = HTTPField.Name("X-API-Key")!

    /// The caller, or 401 when keys are configured and none of them was presented.
    func identify(_ request: Request) throws(APIError) -> CallerIdentity {
        guard !digests.isEmpty else { return .open }
        guard let key = Self.presentedKey(request) else {
            throw APIError(
                .unauthorized, code: "missing_api_key",
                reason: "this API needs an API key: send Authorization: Bearer <key> or X-API-Key: <key>",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        let digest = Array(SHA256.hash(data: Array(key.utf8)))
        var matched = false
        for candidate in digests {
            matched = Self.constantTimeEqual(candidate, digest) || matched
        }
        guard matched else {
            throw APIError(
                .unauthorized, code: "invalid_api_key", reason: "the API key is not one of the configured keys",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        return CallerIdentity(name: Hex.encode(digest, prefixed: false))
    }

    private static func presentedKey(_ request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, let scheme = parts.first, scheme.lowercased() == "bearer", let rest = parts.last {
                let key = rest.trimmingCharacters(in: .whitespaces)
                if !key.isEmpty { return key }
            }
        }
        if let key = request.headers[apiKeyHeader]?.trimmingCharacters(in: .whitespaces), !key.isEmpty {
            return key
        }
        return nil
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
