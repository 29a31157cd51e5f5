import BroadcastModel
import EVMPrimitives
import Lifecycle
import GRDB
import StatusStore

/// The store's own clock in milliseconds, for leases and claims: every process on the file
/// reads the same one.
enum StoreClock {
    static let sql = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"

    static func now(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT \(sql)")) ?? 0
    }
}

extension RequestRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "requests"

    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let status = Column(CodingKeys.status)
        package static let updatedAt = Column(CodingKeys.updatedAt)
    }

    /// The row of request `id`. Every write of a lane and every intake reads it: through a
    /// statement kept prepared on the connection, since preparing one per call (what
    /// `fetchOne(db, key:)` does) runs SQLite's authorizer over each of the row's columns,
    /// a tenth of a busy worker's CPU.
    static func stored(_ id: String, _ db: Database) throws -> RequestRow? {
        try RequestRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM requests WHERE id = ?"), arguments: [id])
    }
}

extension VersionRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "versions"

    /// The versions of `ids`, grouped by request, oldest first.
    static func versions(of ids: [String], _ db: Database) throws -> [String: [TransactionVersion]] {
        var result: [String: [TransactionVersion]] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            let rows = try VersionRow.filter(chunk.contains(Column(CodingKeys.requestID))).order(Column(CodingKeys.number)).fetchAll(db)
            for row in rows { result[row.requestID, default: []].append(try row.version()) }
        }
        return result
    }
}

extension AttemptRow: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "attempts"

    package enum Columns {
        package static let requestID = Column(CodingKeys.requestID)
        package static let number = Column(CodingKeys.number)
    }
}
