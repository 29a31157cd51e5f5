import BroadcastModel
import Foundation

/// Where a listing continues: the last record of the previous page.
///
/// Pages are ordered by `updatedAt` then id, newest first; a record updated while an operator
/// pages through moves to the front and may appear again or not at all, as in any live listing.
public struct RecordCursor: Hashable, Sendable {
    public var updatedAt: Date
    public var id: RequestID

    public init(updatedAt: Date, id: RequestID) {
        self.updatedAt = updatedAt
        self.id = id
    }

    /// The cursor that continues after `record`.
    public init(after record: StoredRequest) {
        self.init(updatedAt: record.updatedAt, id: record.id)
    }

    /// An opaque text form for URLs: milliseconds since 1970, a dot, the request id.
    public var token: String {
        "\(StoredTime.millis(updatedAt))." + id.description
    }

    /// Parses `token`; nil if it is not one.
    public init?(token: some StringProtocol) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let millis = Int64(parts[0]), let id = RequestID(parts[1]) else { return nil }
        self.init(updatedAt: StoredTime.date(millis), id: id)
    }
}

/// One page of a listing, and the cursor of the next page if there is one.
public struct RecordPage: Hashable, Sendable {
    public var records: [StoredRequest]
    public var next: RecordCursor?

    public init(records: [StoredRequest], next: RecordCursor?) {
        self.records = records
        self.next = next
    }
}
