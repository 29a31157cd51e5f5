import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle

/// Times are stored as whole milliseconds since 1970. Every time leaving the store is rounded
/// the same way, so a record returned by a write equals the one a later read returns.
package enum StoredTime {
    package static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    package static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    package static func rounded(_ date: Date) -> Date { self.date(millis(date)) }
}

/// A row of `requests`: one request and its lifecycle at its nonce.
package struct RequestRow: Codable, Sendable {
    package var id: String
    package var messageType: String
    package var function: String
    package var data: Data
    package var toAddress: String
    package var fromAddress: String
    package var acceptedAt: Int64
    package var retryOf: String?
    package var sourceTopic: String?
    package var sourcePartition: Int32?
    package var nonce: Int64
    package var status: String
    package var sequence: Int
    package var acceptedVersion: Int
    package var lastSendUnknown: Bool
    package var sends: Int
    package var failuresInARow: Int
    package var nextSendAt: Int64?
    package var deadlineAt: Int64
    package var versionAcceptedAt: Int64?
    package var versionAcceptedBlock: Int64?
    package var poolCheckAt: Int64?
    package var minedHash: String?
    package var minedBlock: Int64?
    package var minedBlockHash: String?
    package var minedSucceeded: Bool?
    package var gasUsed: Int64?
    package var effectiveGasPrice: String?
    package var outcome: String?
    package var outcomeReason: String?
    package var giveUpReason: String?
    package var waitingForFunds: Bool
    package var wantsReplacement: Bool
    package var needsSettlement: Bool
    package var feeCeilingReached: Bool
    package var lastError: String?
    /// The calldata's function selector, for search (`FunctionSelector`); NULL if shorter.
    package var selector: String?
    package var createdAt: Int64
    package var updatedAt: Int64

    package enum CodingKeys: String, CodingKey {
        case id, function, data, nonce, status, sequence, sends, outcome, selector
        case messageType = "message_type"
        case toAddress = "to_address"
        case fromAddress = "from_address"
        case acceptedAt = "accepted_at"
        case retryOf = "retry_of"
        case sourceTopic = "source_topic"
        case sourcePartition = "source_partition"
        case acceptedVersion = "accepted_version"
        case lastSendUnknown = "last_send_unknown"
        case failuresInARow = "failures_in_a_row"
        case nextSendAt = "next_send_at"
        case deadlineAt = "deadline_at"
        case versionAcceptedAt = "version_accepted_at"
        case versionAcceptedBlock = "version_accepted_block"
        case poolCheckAt = "pool_check_at"
        case minedHash = "mined_hash"
        case minedBlock = "mined_block"
        case minedBlockHash = "mined_block_hash"
        case minedSucceeded = "mined_succeeded"
        case gasUsed = "gas_used"
        case effectiveGasPrice = "effective_gas_price"
        case outcomeReason = "outcome_reason"
        case giveUpReason = "give_up_reason"
        case waitingForFunds = "waiting_for_funds"
        case wantsReplacement = "wants_replacement"
        case needsSettlement = "needs_settlement"
        case feeCeilingReached = "fee_ceiling_reached"
        case lastError = "last_error"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// The statuses of requests that are not final, as the partial indexes spell them.
    package static let unfinishedStatuses = "('signed', 'retrying', 'unknown', 'submitted', 'replaced', 'mined')"

    package init(request: BroadcastRequest, state: LifecycleState, sequence: Int, createdAt: Date, updatedAt: Date, source: ConsumedPosition?) throws {
        id = request.id.description
        messageType = request.messageType
        function = request.function
        data = Data(request.data.bytes)
        toAddress = request.to.checksummed
        fromAddress = request.from.checksummed
        acceptedAt = StoredTime.millis(request.acceptedAt)
        retryOf = request.retryOf?.description
        sourceTopic = source?.topic
        sourcePartition = source?.partition
        nonce = try storedInteger(state.nonce.value, "nonce")
        status = state.status.rawValue
        self.sequence = sequence
        acceptedVersion = 0
        lastSendUnknown = false
        sends = 0
        failuresInARow = 0
        deadlineAt = 0
        waitingForFunds = false
        wantsReplacement = false
        needsSettlement = false
        feeCeilingReached = false
        selector = FunctionSelector(calldata: request.data.bytes)?.description
        self.createdAt = StoredTime.millis(createdAt)
        self.updatedAt = StoredTime.millis(updatedAt)
        try apply(state)
    }

    /// Copies the lifecycle's fields into the row.
    /// Takes `state` for a save under `fence`: the request must be the fence's sender's, and a
    /// final one cannot change status. Returns the status the row had before.
    package mutating func save(_ state: LifecycleState, under fence: LeaseFence) throws -> String {
        guard state.sender == fence.sender, fromAddress == fence.sender.checksummed else {
            throw StatusStoreError(.fenced, "request \(state.id) is sent by \(fromAddress), not by \(fence.sender) whose lease this write holds")
        }
        let before = status
        if outcome != nil, state.status.rawValue != before {
            throw StatusStoreError(
                .finalStatus,
                "request \(state.id) is \(before), which is final; its lifecycle cannot become \(state.status). This is a bug in the worker: report it with the request id")
        }
        try apply(state)
        return before
    }

    package mutating func apply(_ state: LifecycleState) throws {
        status = state.status.rawValue
        acceptedVersion = state.acceptedVersion
        lastSendUnknown = state.lastSendUnknown
        sends = state.sends
        failuresInARow = state.failuresInARow
        nextSendAt = state.nextSendAt.map(StoredTime.millis)
        deadlineAt = StoredTime.millis(state.deadline)
        versionAcceptedAt = state.acceptedAt.map(StoredTime.millis)
        versionAcceptedBlock = try state.acceptedAtBlock.map { try storedInteger($0.value, "block number") }
        poolCheckAt = state.poolCheckAt.map(StoredTime.millis)
        minedHash = state.inclusion?.hash.description
        minedBlock = try state.inclusion.map { try storedInteger($0.block.value, "block number") }
        minedBlockHash = state.inclusion?.blockHash.description
        minedSucceeded = state.inclusion?.succeeded
        gasUsed = try state.inclusion.map { try storedInteger($0.gasUsed.value, "gas used") }
        effectiveGasPrice = state.inclusion?.effectiveGasPrice?.description
        switch state.outcome {
        case .confirmed: outcome = "confirmed"; outcomeReason = nil
        case .reverted: outcome = "reverted"; outcomeReason = nil
        case .failed(let reason): outcome = "failed"; outcomeReason = reason
        case nil: outcome = nil; outcomeReason = nil
        }
        giveUpReason = state.giveUpReason
        waitingForFunds = state.waitingForFunds
        wantsReplacement = state.wantsReplacement
        needsSettlement = state.needsSettlement
        feeCeilingReached = state.feeCeilingReached
        lastError = state.lastError
    }

    package func request() throws -> BroadcastRequest {
        guard let requestID = RequestID(id) else { throw corrupt("id \"\(id)\" is not a UUID") }
        var retried: RequestID?
        if let retryOf {
            guard let parsed = RequestID(retryOf) else { throw corrupt("retry_of \"\(retryOf)\" is not a UUID") }
            retried = parsed
        }
        do {
            return BroadcastRequest(
                id: requestID, messageType: messageType, function: function, data: Calldata(Array(data)),
                to: try Address(toAddress), from: try Address(fromAddress), acceptedAt: StoredTime.date(acceptedAt), retryOf: retried)
        } catch {
            throw corrupt("\(error)")
        }
    }

    /// The stored request, with its versions (oldest first).
    package func stored(versions: [TransactionVersion]) throws -> StoredRequest {
        let request = try request()
        guard let nonce = UInt64(exactly: nonce) else { throw corrupt("nonce \(nonce)") }
        guard var state = LifecycleState(
            id: request.id, sender: request.from, nonce: Nonce(nonce), versions: versions, deadline: StoredTime.date(deadlineAt))
        else { throw corrupt("no signed version is stored") }
        state.acceptedVersion = acceptedVersion
        state.lastSendUnknown = lastSendUnknown
        state.sends = sends
        state.failuresInARow = failuresInARow
        state.nextSendAt = nextSendAt.map(StoredTime.date)
        state.acceptedAt = versionAcceptedAt.map(StoredTime.date)
        state.acceptedAtBlock = try versionAcceptedBlock.map { BlockNumber(try unsigned($0, "version_accepted_block")) }
        state.poolCheckAt = poolCheckAt.map(StoredTime.date)
        if let minedHash, let minedBlock, let minedBlockHash, let minedSucceeded {
            do {
                state.inclusion = Inclusion(
                    hash: try TxHash(minedHash), block: BlockNumber(try unsigned(minedBlock, "mined_block")),
                    blockHash: try BlockHash(minedBlockHash), succeeded: minedSucceeded,
                    gasUsed: Gas(try unsigned(gasUsed ?? 0, "gas_used")),
                    effectiveGasPrice: try effectiveGasPrice.map { try Wei(parsing: $0) })
            } catch let error as StatusStoreError {
                throw error
            } catch {
                throw corrupt("receipt: \(error)")
            }
        }
        switch outcome {
        case "confirmed": state.outcome = .confirmed
        case "reverted": state.outcome = .reverted
        case "failed": state.outcome = .failed(reason: outcomeReason ?? "failed")
        case nil: state.outcome = nil
        case let other?: throw corrupt("outcome \"\(other)\"")
        }
        state.giveUpReason = giveUpReason
        state.waitingForFunds = waitingForFunds
        state.wantsReplacement = wantsReplacement
        state.needsSettlement = needsSettlement
        state.feeCeilingReached = feeCeilingReached
        state.lastError = lastError
        return StoredRequest(
            request: request, lifecycle: state, sequence: sequence, createdAt: StoredTime.date(createdAt),
            updatedAt: StoredTime.date(updatedAt), sourceTopic: sourceTopic, sourcePartition: sourcePartition)
    }

    private func unsigned(_ value: Int64, _ column: String) throws -> UInt64 {
        guard let unsigned = UInt64(exactly: value) else { throw corrupt("\(column) \(value)") }
        return unsigned
    }

    package func corrupt(_ detail: String) -> StatusStoreError {
        StatusStoreError(.corruptRow, "stored request \(id) does not decode (\(detail)); the status store was edited or written by a broken build")
    }
}

/// A row of `versions`: one signed transaction at a request's nonce.
package struct VersionRow: Codable, Sendable {
    package var requestID: String
    package var number: Int
    package var kind: String
    package var hash: String
    package var raw: Data
    package var maxFeePerGas: String
    package var maxPriorityFeePerGas: String
    package var signedAt: Int64

    package enum CodingKeys: String, CodingKey {
        case number, kind, hash, raw
        case requestID = "request_id"
        case maxFeePerGas = "max_fee_per_gas"
        case maxPriorityFeePerGas = "max_priority_fee_per_gas"
        case signedAt = "signed_at"
    }

    package init(_ version: TransactionVersion, of id: RequestID) {
        requestID = id.description
        number = version.number
        kind = version.kind.rawValue
        hash = version.hash.description
        raw = Data(version.raw)
        maxFeePerGas = version.fees.maxFeePerGas.description
        maxPriorityFeePerGas = version.fees.maxPriorityFeePerGas.description
        signedAt = StoredTime.millis(version.signedAt)
    }

    package func version() throws -> TransactionVersion {
        do {
            guard let kind = TransactionVersion.Kind(rawValue: kind) else { throw StoredValueError("kind \"\(kind)\"") }
            return TransactionVersion(
                number: number, kind: kind, hash: try TxHash(hash), raw: Array(raw),
                fees: FeeCaps(maxFeePerGas: try Wei(parsing: maxFeePerGas), maxPriorityFeePerGas: try Wei(parsing: maxPriorityFeePerGas)),
                signedAt: StoredTime.date(signedAt))
        } catch {
            throw StatusStoreError(.corruptRow, "stored version \(number) of request \(requestID) does not decode (\(error)); the status store was edited or written by a broken build")
        }
    }
}

private struct StoredValueError: Error, CustomStringConvertible {
    let description: String
    package init(_ description: String) { self.description = description }
}

/// A row of `attempts`: one send of one version.
package struct AttemptRow: Codable, Sendable {
    package var requestID: String
    package var number: Int
    package var version: Int
    package var hash: String
    package var startedAt: Int64
    package var finishedAt: Int64
    package var outcome: String
    package var endpoint: String?
    package var error: String?

    package enum CodingKeys: String, CodingKey {
        case number, version, hash, outcome, endpoint, error
        case requestID = "request_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    package init(_ attempt: BroadcastAttempt) {
        requestID = attempt.requestID.description
        number = attempt.number
        version = attempt.version
        hash = attempt.hash.description
        startedAt = StoredTime.millis(attempt.startedAt)
        finishedAt = StoredTime.millis(attempt.finishedAt)
        outcome = attempt.outcome.rawValue
        endpoint = attempt.endpoint
        error = attempt.error
    }

    package func attempt() throws -> BroadcastAttempt {
        guard let id = RequestID(requestID), let outcome = SendClass(rawValue: outcome), let hash = try? TxHash(hash) else {
            throw StatusStoreError(.corruptRow, "stored attempt \(number) of request \(requestID) does not decode; the status store was edited or written by a broken build")
        }
        return BroadcastAttempt(
            requestID: id, number: number, version: version, hash: hash, startedAt: StoredTime.date(startedAt),
            finishedAt: StoredTime.date(finishedAt), outcome: outcome, endpoint: endpoint, error: error)
    }
}

/// Both engines' integers are signed 64-bit; a nonce or offset beyond that is refused, not wrapped.
package func storedInteger(_ value: UInt64, _ field: String) throws -> Int64 {
    guard let stored = Int64(exactly: value) else {
        throw StatusStoreError(.valueOutOfRange, "\(field) \(value) is beyond the largest value the status store keeps (2^63 - 1)")
    }
    return stored
}
