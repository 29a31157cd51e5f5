import BroadcasterConfig
import Foundation

/// `settings` as the `store.url` a process is configured with (the tests' server needs no
/// password and no TLS).
func postgresURL(_ settings: PostgresSettings) -> String {
    "postgres://\(settings.username)@\(settings.host):\(settings.port)/\(settings.database)?sslmode=disable"
}

/// Read-only queries on the PostgreSQL store the processes write, through psql's CSV output:
/// the test reads the tables as an operator would, not through the engine under test.
enum PostgresRows {
    static func read(_ settings: PostgresSettings?, sql: String) throws -> [[String: String]] {
        guard let settings else { throw StackError("no PostgreSQL database for this workspace") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "psql", "--no-psqlrc", "--csv", "--set", "ON_ERROR_STOP=1", "-h", settings.host, "-p", "\(settings.port)",
            "-U", settings.username, "-d", settings.database, "-c", sql,
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let failure = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw StackError("psql failed on \(sql): \(String(decoding: failure, as: UTF8.self))")
        }
        let records = CSV.records(String(decoding: text, as: UTF8.self))
        guard let header = records.first else { return [] }
        return records.dropFirst().map { record in
            var row: [String: String] = [:]
            // psql prints NULL as an empty field: absent, as SQLiteRows leaves NULL out.
            for (column, value) in zip(header, record) where !value.isEmpty { row[column] = value }
            return row
        }
    }
}

/// RFC 4180 records: fields separated by commas, quoted when they hold a comma, a quote or a
/// line break (a quote inside doubled).
enum CSV {
    static func records(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var characters = text.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" {
                        field.append("\"")
                    } else {
                        quoted = false
                        pending = next
                    }
                } else {
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"": quoted = true
            case ",":
                record.append(field)
                field = ""
            case "\n", "\r\n":
                record.append(field)
                records.append(record)
                record = []
                field = ""
            default: field.append(character)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
