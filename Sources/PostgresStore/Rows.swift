import BroadcastModel
import Foundation
import Lifecycle
import Logging
import PostgresNIO
import StatusStore

/// Where a row's columns go, one name and value at a time: a statement inserting many rows
/// (`GroupedInsert`).
protocol ColumnSink {
    mutating func add<Value: PostgresThrowingDynamicTypeEncodable>(_ name: String, _ value: Value?) throws
}

/// A row that lists its columns, always the same ones in the same order.
protocol ColumnListing {
    func addColumns<Sink: ColumnSink>(to sink: inout Sink) throws
}

extension RequestRow: ColumnListing {
    static func decode(_ row: PostgresRow) throws -> RequestRow { try RowDecoder.decode(RequestRow.self, from: row, table: "requests") }

    /// Every column the row carries (the admin columns `last_error_class` and `retried_as`
    /// are kept by their own writes).
    func addColumns<Sink: ColumnSink>(to sink: inout Sink) throws {
        try sink.add("id", id)
        try sink.add("message_type", messageType)
        try sink.add("function", function)
        try sink.add("data", data)
        try sink.add("to_address", toAddress)
        try sink.add("from_address", fromAddress)
        try sink.add("accepted_at", acceptedAt)
        try sink.add("retry_of", retryOf)
        try sink.add("source_topic", sourceTopic)
        try sink.add("source_partition", sourcePartition)
        try sink.add("nonce", nonce)
        try sink.add("status", status)
        try sink.add("sequence", Int64(sequence))
        try sink.add("accepted_version", Int64(acceptedVersion))
        try sink.add("last_send_unknown", lastSendUnknown)
        try sink.add("sends", Int64(sends))
        try sink.add("failures_in_a_row", Int64(failuresInARow))
        try sink.add("next_send_at", nextSendAt)
        try sink.add("deadline_at", deadlineAt)
        try sink.add("version_accepted_at", versionAcceptedAt)
        try sink.add("version_accepted_block", versionAcceptedBlock)
        try sink.add("pool_check_at", poolCheckAt)
        try sink.add("mined_hash", minedHash)
        try sink.add("mined_block", minedBlock)
        try sink.add("mined_block_hash", minedBlockHash)
        try sink.add("mined_succeeded", minedSucceeded)
        try sink.add("gas_used", gasUsed)
        try sink.add("effective_gas_price", effectiveGasPrice)
        try sink.add("outcome", outcome)
        try sink.add("outcome_reason", outcomeReason)
        try sink.add("give_up_reason", giveUpReason)
        try sink.add("waiting_for_funds", waitingForFunds)
        try sink.add("wants_replacement", wantsReplacement)
        try sink.add("needs_settlement", needsSettlement)
        try sink.add("fee_ceiling_reached", feeCeilingReached)
        try sink.add("last_error", lastError)
        try sink.add("selector", selector)
        try sink.add("created_at", createdAt)
        try sink.add("updated_at", updatedAt)
    }
}

extension VersionRow: ColumnListing {
    static func decode(_ row: PostgresRow) throws -> VersionRow { try RowDecoder.decode(VersionRow.self, from: row, table: "versions") }

    func addColumns<Sink: ColumnSink>(to sink: inout Sink) throws {
        try sink.add("request_id", requestID)
        try sink.add("number", Int64(number))
        try sink.add("kind", kind)
        try sink.add("hash", hash)
        try sink.add("raw", raw)
        try sink.add("max_fee_per_gas", maxFeePerGas)
        try sink.add("max_priority_fee_per_gas", maxPriorityFeePerGas)
        try sink.add("signed_at", signedAt)
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

extension AttemptRow: ColumnListing {
    static func decode(_ row: PostgresRow) throws -> AttemptRow { try RowDecoder.decode(AttemptRow.self, from: row, table: "attempts") }

    func addColumns<Sink: ColumnSink>(to sink: inout Sink) throws {
        try sink.add("request_id", requestID)
        try sink.add("number", Int64(number))
        try sink.add("version", Int64(version))
        try sink.add("hash", hash)
        try sink.add("started_at", startedAt)
        try sink.add("finished_at", finishedAt)
        try sink.add("outcome", outcome)
        try sink.add("endpoint", endpoint)
        try sink.add("error", error)
    }
}
