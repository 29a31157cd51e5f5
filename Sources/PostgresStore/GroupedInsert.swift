import PostgresNIO
import StatusStore

/// Many rows into several tables in one statement: each table's rows in one multi-row
/// `INSERT`, the tables joined by data-modifying `WITH` clauses, so that a batch costs one
/// round trip to the server instead of one per row. The server binds at most 65,535 values in
/// one statement; callers split their rows below that. Foreign keys between the tables hold: the
/// server checks them at the end of the statement, when every table's rows are in.
struct GroupedInsert: ColumnSink {
    private struct Table {
        let name: String
        var columns: [String] = []
        var rows: [String] = []
    }

    private var binds = PostgresBindings()
    private var tables: [Table] = []
    /// The row being listed: its table's index, its placeholders, and its column names.
    private var row: (table: Int, placeholders: [String], names: [String])?

    /// Adds `listing` as a row of `table`; every row of a table must list the same columns.
    mutating func add(_ listing: some ColumnListing, into table: String) throws {
        let index: Int
        if let found = tables.firstIndex(where: { $0.name == table }) {
            index = found
        } else {
            tables.append(Table(name: table))
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

    /// The statement; the last table added is the main `INSERT`, the others come before it.
    var query: PostgresQuery? {
        guard let last = tables.last else { return nil }
        func insert(_ table: Table) -> String {
            "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES \(table.rows.joined(separator: ", "))"
        }
        let clauses = tables.dropLast().enumerated().map { "grouped_\($0.offset) AS (\(insert($0.element)))" }
        let prefix = clauses.isEmpty ? "" : "WITH " + clauses.joined(separator: ", ") + " "
        return PostgresQuery(unsafeSQL: prefix + insert(last), binds: binds)
    }
}
