import PostgresNIO
import StatusStore

/// Many rows into several tables in one statement: each table's rows in one multi-row
/// `INSERT`, the tables joined by data-modifying `WITH` clauses, so that a batch costs one
/// round trip to the server instead of one per row. The server binds at most 65,535 values in
/// one statement; callers split their rows below that. Foreign keys between the tables hold: the
/// server checks them at the end of the statement, when every table's rows are in.
struct GroupedInsert: ColumnSink {
    /// What a table's `INSERT` does with a row whose key is taken.
    enum OnConflict: Equatable {
        /// Fails the statement, as a plain `INSERT` does.
        case fail
        /// Keeps the stored row (`ON CONFLICT target DO NOTHING`); `target` is e.g. "(request_id, number)".
        case keep(target: String)
        /// Writes every listed column over the stored row with that `key`: the multi-row form
        /// of an `UPDATE` of rows the caller knows exist.
        case overwrite(key: String)
    }

    private struct Table {
        let name: String
        let onConflict: OnConflict
        var columns: [String] = []
        var rows: [String] = []

        var clause: String {
            switch onConflict {
            case .fail:
                ""
            case .keep(let target):
                " ON CONFLICT \(target) DO NOTHING"
            case .overwrite(let key):
                " ON CONFLICT (\(key)) DO UPDATE SET "
                    + columns.filter { $0 != key }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
            }
        }
    }

    private var binds = PostgresBindings()
    private var tables: [Table] = []
    /// The row being listed: its table's index, its placeholders, and its column names.
    private var row: (table: Int, placeholders: [String], names: [String])?

    /// Adds `listing` as a row of `table`; every row of a table must list the same columns,
    /// and say the same about conflicts.
    mutating func add(_ listing: some ColumnListing, into table: String, onConflict: OnConflict = .fail) throws {
        let index: Int
        if let found = tables.firstIndex(where: { $0.name == table }) {
            guard tables[found].onConflict == onConflict else {
                throw StatusStoreError(.storageFailure, "rows of \(table) asked for different conflict handling; this is a bug in the PostgreSQL store")
            }
            index = found
        } else {
            tables.append(Table(name: table, onConflict: onConflict))
            index = tables.count - 1
        }
        row = (index, [], [])
        defer { row = nil }
        try listing.addColumns(to: &self)
        guard let listed = row else { return }
        if tables[index].rows.isEmpty {
            tables[index].columns = listed.names
        } else if tables[index].columns != listed.names {
            throw StatusStoreError(.storageFailure, "rows of \(table) listed different columns; this is a bug in the PostgreSQL store")
        }
        tables[index].rows.append("(" + listed.placeholders.joined(separator: ", ") + ")")
    }

    mutating func add<Value: PostgresThrowingDynamicTypeEncodable>(_ name: String, _ value: Value?) throws {
        guard row != nil else {
            throw StatusStoreError(.storageFailure, "a column was bound outside a row; this is a bug in the PostgreSQL store")
        }
        try binds.append(value)
        row?.names.append(name)
        row?.placeholders.append("$\(binds.count)")
    }

    /// Values bound so far: callers start a new statement before the server's limit.
    var boundCount: Int { binds.count }

    /// The statement; the last table added is the main `INSERT`, the others come before it.
    var query: PostgresQuery? {
        guard let last = tables.last else { return nil }
        func insert(_ table: Table) -> String {
            "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES \(table.rows.joined(separator: ", "))\(table.clause)"
        }
        let clauses = tables.dropLast().enumerated().map { "grouped_\($0.offset) AS (\(insert($0.element)))" }
        let prefix = clauses.isEmpty ? "" : "WITH " + clauses.joined(separator: ", ") + " "
        return PostgresQuery(unsafeSQL: prefix + insert(last), binds: binds)
    }
}

/// Rows written as few grouped statements as the server's bind limit allows: `add` puts one
/// unit's rows (a request and what goes with it) into the current statement, which is run
/// first when the unit might not fit beside it.
struct GroupedStatements {
    /// Well under the server's 65,535 binds, leaving room for the largest unit.
    static let bindBudget = 30_000

    private var current = GroupedInsert()

    mutating func add(
        _ connection: PostgresConnection, _ logger: Logger, _ unit: (inout GroupedInsert) throws -> Void
    ) async throws {
        if current.boundCount >= Self.bindBudget { try await flush(connection, logger) }
        try unit(&current)
    }

    /// Runs what is pending.
    mutating func flush(_ connection: PostgresConnection, _ logger: Logger) async throws {
        defer { current = GroupedInsert() }
        guard let query = current.query else { return }
        try await connection.run(query, logger)
    }
}
