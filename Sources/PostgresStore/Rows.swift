import BroadcastModel
import Foundation
import Lifecycle
import Logging
import PostgresNIO
import StatusStore

/// Column names and their bound values for one row to insert or update.
struct ColumnValues {
    private(set) var names: [String] = []
    private(set) var binds = PostgresBindings()

    mutating func add<Value: PostgresThrowingDynamicTypeEncodable>(_ name: String, _ value: Value?) throws {
        names.append(name)
        try binds.append(value)
    }

    /// `INSERT INTO table (columns) VALUES ($1, …)`, with `suffix` (ON CONFLICT …) after it.
    func insert(into table: String, suffix: String = "") -> PostgresQuery {
        let placeholders = (1...max(1, names.count)).map { "$\($0)" }.joined(separator: ", ")
        return PostgresQuery(unsafeSQL: "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(placeholders)) \(suffix)", binds: binds)
    }

    /// `UPDATE table SET column = $1, … WHERE key = $n`.
    func update(_ table: String, key: String, equals value: String) -> PostgresQuery {
        var binds = self.binds
        binds.append(value)
        let sets = names.enumerated().map { "\($0.element) = $\($0.offset + 1)" }.joined(separator: ", ")
        return PostgresQuery(unsafeSQL: "UPDATE \(table) SET \(sets) WHERE \(key) = $\(names.count + 1)", binds: binds)
    }
}

extension RequestRow {
    static func decode(_ row: PostgresRow) throws -> RequestRow { try RowDecoder.decode(RequestRow.self, from: row, table: "requests") }

    /// Every column the row carries (the admin columns `last_error_class` and `retried_as`
    /// are kept by their own writes).
    var columns: ColumnValues {
        get throws {
        var values = ColumnValues()
        try values.add("id", id)
        try values.add("message_type", messageType)
        try values.add("function", function)
        try values.add("data", data)
        try values.add("to_address", toAddress)
        try values.add("from_address", fromAddress)
        try values.add("accepted_at", acceptedAt)
        try values.add("retry_of", retryOf)
        try values.add("source_topic", sourceTopic)
        try values.add("source_partition", sourcePartition)
        try values.add("nonce", nonce)
        try values.add("status", status)
        try values.add("sequence", Int64(sequence))
        try values.add("accepted_version", Int64(acceptedVersion))
        try values.add("last_send_unknown", lastSendUnknown)
        try values.add("sends", Int64(sends))
        try values.add("failures_in_a_row", Int64(failuresInARow))
        try values.add("next_send_at", nextSendAt)
        try values.add("deadline_at", deadlineAt)
        try values.add("version_accepted_at", versionAcceptedAt)
        try values.add("version_accepted_block", versionAcceptedBlock)
        try values.add("pool_check_at", poolCheckAt)
        try values.add("mined_hash", minedHash)
        try values.add("mined_block", minedBlock)
        try values.add("mined_block_hash", minedBlockHash)
        try values.add("mined_succeeded", minedSucceeded)
        try values.add("gas_used", gasUsed)
        try values.add("effective_gas_price", effectiveGasPrice)
        try values.add("outcome", outcome)
        try values.add("outcome_reason", outcomeReason)
        try values.add("give_up_reason", giveUpReason)
        try values.add("waiting_for_funds", waitingForFunds)
        try values.add("wants_replacement", wantsReplacement)
        try values.add("needs_settlement", needsSettlement)
        try values.add("fee_ceiling_reached", feeCeilingReached)
        try values.add("last_error", lastError)
        try values.add("selector", selector)
        try values.add("created_at", createdAt)
        try values.add("updated_at", updatedAt)
        return values
        }
    }
}

extension VersionRow {
    static func decode(_ row: PostgresRow) throws -> VersionRow { try RowDecoder.decode(VersionRow.self, from: row, table: "versions") }

    var columns: ColumnValues {
        get throws {
        var values = ColumnValues()
        try values.add("request_id", requestID)
        try values.add("number", Int64(number))
        try values.add("kind", kind)
        try values.add("hash", hash)
        try values.add("raw", raw)
        try values.add("max_fee_per_gas", maxFeePerGas)
        try values.add("max_priority_fee_per_gas", maxPriorityFeePerGas)
        try values.add("signed_at", signedAt)
        return values
        }
    }

    /// The versions of `ids`, grouped by request, oldest first.
    static func versions(of ids: [String], _ connection: PostgresConnection, _ logger: Logger) async throws -> [String: [TransactionVersion]] {
        guard !ids.isEmpty else { return [:] }
        var result: [String: [TransactionVersion]] = [:]
        let rows = try await connection.all(
            "SELECT * FROM versions WHERE request_id = ANY(\(ids)) ORDER BY request_id, number", logger)
        for row in rows {
            let version = try VersionRow.decode(row)
            result[version.requestID, default: []].append(try version.version())
        }
        return result
    }
}

extension AttemptRow {
    static func decode(_ row: PostgresRow) throws -> AttemptRow { try RowDecoder.decode(AttemptRow.self, from: row, table: "attempts") }

    var columns: ColumnValues {
        get throws {
        var values = ColumnValues()
        try values.add("request_id", requestID)
        try values.add("number", Int64(number))
        try values.add("version", Int64(version))
        try values.add("hash", hash)
        try values.add("started_at", startedAt)
        try values.add("finished_at", finishedAt)
        try values.add("outcome", outcome)
        try values.add("endpoint", endpoint)
        try values.add("error", error)
        return values
        }
    }
}
