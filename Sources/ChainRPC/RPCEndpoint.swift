import Foundation

/// One JSON-RPC node URL.
///
/// Hosted nodes often carry an API key in the path or query, so the `description` (used in
/// logs and errors) shows only scheme, host and port.
public struct RPCEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The full URL the client posts to.
    public let url: String
    /// Scheme, host and port only: safe to print.
    public let description: String

    /// Parses an `http://` or `https://` URL with a host.
    public init(_ url: String) throws(ChainRPCConfigurationError) {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty
        else {
            throw ChainRPCConfigurationError(
                "endpoint \"\(Self.redacted(url))\" is not an http:// or https:// URL with a host; "
                    + "set the RPC endpoint to a URL like http://127.0.0.1:8545")
        }
        self.url = url
        self.description = parsed.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }

    /// Shows at most the text before the path, for error messages about unparsable URLs.
    private static func redacted(_ text: String) -> String {
        let prefix = text.prefix(60)
        guard let schemeEnd = prefix.range(of: "://") else { return String(prefix) }
        let rest = prefix[schemeEnd.upperBound...]
        let hostPart = rest.prefix { $0 != "/" && $0 != "?" && $0 != "@" }
        return String(prefix[..<schemeEnd.upperBound]) + hostPart
    }
}

/// A configuration value the client cannot work with.
public struct ChainRPCConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
