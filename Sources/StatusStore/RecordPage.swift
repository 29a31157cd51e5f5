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

    public var token: String { CursorToken.text(updatedAt, id) }

    /// Parses `token`; nil if it is not one.
    public init?(token: some StringProtocol) {
        guard let (date, id) = CursorToken.parse(token) else { return nil }
        self.init(updatedAt: date, id: id)
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
