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

/// What the dashboard needs of the configuration, apart from access.
public struct DashboardSettings: Sendable {
    /// A block explorer's transaction page with `{hash}` in it; nil shows no links.
    public var explorerTransactionURL: String?
    /// The API's caller names (the hex SHA-256 of each API key, or "open"): an Idempotency-Key
    /// is stored hashed with its caller, so a search tries each.
    public var callers: [String]
    /// An unfinished request older than this makes its sender's lane "stuck".
    public var stuckAfter: Duration
    /// Rows on one page of the list.
    public var pageSize: Int
    /// The message types, for decoding calldata with their parameter names.
    public var configuration: BroadcasterConfiguration

    public init(
        configuration: BroadcasterConfiguration, explorerTransactionURL: String? = nil, callers: [String]? = nil,
        stuckAfter: Duration = .seconds(600), pageSize: Int = 50
    ) {
        self.configuration = configuration
        self.explorerTransactionURL = explorerTransactionURL ?? configuration.admin.explorerTransactionURL
        self.callers = callers ?? Self.callers(of: configuration.api)
        self.stuckAfter = stuckAfter
        self.pageSize = max(1, min(pageSize, 500))
    }

    /// The caller names the API gives its callers: one per configured key, "open" without keys.
    static func callers(of api: APISettings) -> [String] {
        guard !api.apiKeyHashes.isEmpty else { return ["open"] }
        return api.apiKeyHashes.map { $0.map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined() }
    }

    /// The explorer's page of `hash`, if one is configured.
    func explorerLink(_ hash: String) -> String? {
        guard let template = explorerTransactionURL, template.contains("{hash}") else { return nil }
        return template.replacingOccurrences(of: "{hash}", with: hash)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
