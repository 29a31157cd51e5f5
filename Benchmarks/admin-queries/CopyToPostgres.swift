import BroadcasterConfig
import Foundation
import GRDB
import Logging
import NIOCore
import PostgresNIO
import StoreBenchmarkSupport

/// Gives a PostgreSQL store (migrated, empty) the rows of a filled SQLite store, so that both
/// engines answer the same queries over the same data: every table both schemas have, the
/// columns both have, through `COPY … FROM STDIN` in chunks of 20,000 rows, then ANALYZE.
/// SQLite's integers go in as PostgreSQL integers or booleans (0/1), blobs as bytea.
enum CopyToPostgres {
    static func run(sqlite path: String, to settings: PostgresSettings, logger: Logger) async throws {
        let queue = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }())
        defer { try? queue.close() }
        let connection = try await PostgresConnection.connect(
            configuration: try PostgresBenchmarkClient.connectionConfiguration(settings), id: 1, logger: logger)
        do {
            try await copy(queue, connection, logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private static func copy(_ queue: DatabaseQueue, _ connection: PostgresConnection, logger: Logger) async throws {

        var tables: [String] = []
        for try await (name) in try await connection.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
            logger: logger
        ).decode(String.self) {
            tables.append(name)
        }
        // Requests first: the other tables refer to them.
        tables.sort { ($0 == "requests" ? 0 : 1, $0) < ($1 == "requests" ? 0 : 1, $1) }
        var plan: [(table: String, columns: [String], rows: Int)] = []
        for table in tables where table != "schema_migrations" {
            let (sqliteColumns, rows) = try await queue.read { db -> ([String], Int) in
                guard try db.tableExists(table) else { return ([], 0) }
                return (try db.columns(in: table).map(\.name), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0)
            }
            guard rows > 0 else { continue }
            var postgresColumns: Set<String> = []
            for try await (name) in try await connection.query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(table)",
                logger: logger
            ).decode(String.self) {
                postgresColumns.insert(name)
            }
            plan.append((table, sqliteColumns.filter(postgresColumns.contains), rows))
        }
        // What the migration seeded (the status counters) gives way to the copied rows.
        for step in plan.reversed() {
            try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(step.table)"), logger: logger)
        }
        let clock = ContinuousClock()
        for step in plan {
            let start = clock.now
            let list = step.columns.joined(separator: ", ")
            var after: Int64 = 0
            try await connection.copyFrom(table: step.table, columns: step.columns, logger: logger) { writer in
                while true {
                    let from = after
                    let (text, last) = try await queue.read { db -> (String, Int64?) in
                        var text = ""
                        var last: Int64?
                        let rows = try Row.fetchCursor(
                            db, sql: "SELECT rowid, \(list) FROM \(step.table) WHERE rowid > ? ORDER BY rowid LIMIT 20000", arguments: [from])
                        while let row = try rows.next() {
                            last = row[0]
                            for index in 1...step.columns.count {
                                if index > 1 { text += "\t" }
                                text += copyText(row[index] as DatabaseValue)
                            }
                            text += "\n"
                        }
                        return (text, last)
                    }
                    guard let last else { break }
                    after = last
                    try await writer.write(ByteBuffer(string: text))
                }
            }
            print("  copied \(step.rows) rows of \(step.table) to PostgreSQL in \(clock.now - start)")
        }
        try await connection.query("ANALYZE", logger: logger)
    }

    /// A value in COPY's text format.
    static func copyText(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "\\N"
        case .int64(let number): return String(number)
        case .double(let number): return String(number)
        case .string(let text):
            var escaped = ""
            escaped.reserveCapacity(text.utf8.count)
            for character in text.unicodeScalars {
                switch character {
                case "\\": escaped += "\\\\"
                case "\t": escaped += "\\t"
                case "\n": escaped += "\\n"
                case "\r": escaped += "\\r"
                default: escaped.unicodeScalars.append(character)
                }
            }
            return escaped
        case .blob(let data):
            // bytea's hex form, its backslash doubled for COPY.
            return "\\\\x" + data.map { String(format: "%02x", $0) }.joined()
        }
    }
}
