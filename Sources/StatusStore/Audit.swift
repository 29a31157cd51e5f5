import BroadcastModel
import Foundation

/// What an operator did, as the audit keeps it.
public struct AuditAction: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public static let retry = AuditAction(rawValue: "retry")
    public static let bulkRetry = AuditAction(rawValue: "bulk_retry")

    public var description: String { rawValue }
}

/// One entry to add to the audit: who did what, to which request, and why.
public struct AuditEntry: Hashable, Sendable {
    /// The signed-in user's name.
    public var user: String
    public var action: AuditAction
    public var requestID: RequestID?
    /// The reason the operator gave.
    public var reason: String?
    /// What else tells the story (the retry's id, what the chain check found), never a secret.
    public var details: [String: String]

    public init(user: String, action: AuditAction, requestID: RequestID? = nil, reason: String? = nil, details: [String: String] = [:]) {
        self.user = user
        self.action = action
        self.requestID = requestID
        self.reason = reason
        self.details = details
    }
}

/// An entry as stored: numbered in the order appended, at the store's time.
public struct AuditRecord: Hashable, Sendable {
    /// Grows with every entry appended.
    public var id: Int64
    public var at: Date
    public var entry: AuditEntry

    public init(id: Int64, at: Date, entry: AuditEntry) {
        self.id = id
        self.at = at
        self.entry = entry
    }
}

/// The link an operator's retry set on a failed request.
public struct RetryLink: Hashable, Sendable {
    public var original: RequestID
    public var retriedAs: RequestID

    public init(original: RequestID, retriedAs: RequestID) {
        self.original = original
        self.retriedAs = retriedAs
    }
}
