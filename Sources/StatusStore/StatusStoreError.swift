import Foundation

/// Why the status store refused to open or to change something, in words an operator can act on.
public struct StatusStoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure it is, for callers that react differently to each.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String

        /// The file or its directory cannot be created, opened or written.
        public static let cannotOpen = Code(description: "cannotOpen")
        /// The file exists but is not an SQLite database.
        public static let notADatabase = Code(description: "notADatabase")
        /// The file was migrated by a newer broadcaster than this one.
        public static let schemaTooNew = Code(description: "schemaTooNew")
        /// The schema could not be brought up to date.
        public static let migrationFailed = Code(description: "migrationFailed")
        /// A request already final was asked to change.
        public static let finalStatus = Code(description: "finalStatus")
        /// The writer does not hold the sender's lease (any more): another owner took it over.
        public static let fenced = Code(description: "fenced")
        /// No request with that id is stored.
        public static let unknownRequest = Code(description: "unknownRequest")
        /// That attempt number is already stored for the request.
        public static let duplicateAttempt = Code(description: "duplicateAttempt")
        /// A value does not fit the store (a nonce or offset beyond 2^63 - 1).
        public static let valueOutOfRange = Code(description: "valueOutOfRange")
        /// A stored row does not decode (edited by hand, or written by a broken build).
        public static let corruptRow = Code(description: "corruptRow")
        /// The request cannot be retried: it is not final failed or reverted.
        public static let notRetryable = Code(description: "notRetryable")
        /// The request was retried already (by another click, or another operator).
        public static let alreadyRetried = Code(description: "alreadyRetried")
        /// An audit entry without a user or an action.
        public static let invalidAuditEntry = Code(description: "invalidAuditEntry")
        /// Another process held the write lock for longer than the busy timeout.
        public static let busy = Code(description: "busy")
        /// The disk failed the store: an I/O error, a full disk, a file that cannot be opened.
        public static let storageFailure = Code(description: "storageFailure")
    }

    public let code: Code
    public let description: String

    package init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// Whether the same write may succeed later unchanged (the lock is released, the disk
    /// recovers): such errors concern the store, never one request.
    public var isTransient: Bool { code == .busy || code == .storageFailure }
}
