import ABI
import AdminAccess
import AdminActions
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import Lifecycle
import NIOCore
import StatusStore

/// Reads one request's page: the row with its versions, its attempts, the chain head, the
/// retry link and the audit entries.
struct DetailAssembler: Sendable {
    let store: any StatusStore
    let settings: DashboardSettings
    let now: @Sendable () -> Date

    func detail(_ id: RequestID, role: AdminRole?) async throws -> DetailView? {
        guard let stored = try await store.request(id) else { return nil }
        let now = now()
        let attempts = try await store.attempts(of: id)
        let head = try await store.chainHead()
        let retriedAs = try await store.retriedAs(id)
        let audit = try await store.audit(of: id, limit: 100)
        let request = stored.request
        let lifecycle = stored.lifecycle
        let status: TransactionStatus = stored.status
        let retryable = (status == .failed || status == .reverted) && retriedAs == nil
        let receipt = lifecycle.inclusion.map { inclusion in
            DetailView.Receipt(
                hash: inclusion.hash.description, explorerURL: settings.explorerLink(inclusion.hash.description),
                block: inclusion.block.value, blockHash: inclusion.blockHash.description, succeeded: inclusion.succeeded,
                gasUsed: inclusion.gasUsed.value, effectiveGasPrice: inclusion.effectiveGasPrice.map { "\($0) wei" },
                confirmations: head.map { $0.value >= inclusion.block.value ? $0.value - inclusion.block.value + 1 : 0 })
        }
        var outcomeReason: String?
        if case .failed(let reason) = lifecycle.outcome { outcomeReason = reason }
        return DetailView(
            id: id.description, messageType: request.messageType, function: request.function, sender: request.from.checksummed,
            contract: request.to.checksummed, nonce: lifecycle.nonce.value, status: stored.status.rawValue,
            statusClass: StatusStyle.kind(stored.status), accepted: TimeView(request.acceptedAt, now: now),
            created: TimeView(stored.createdAt, now: now), updated: TimeView(stored.updatedAt, now: now),
            sourceTopic: stored.sourceTopic, sourcePartition: stored.sourcePartition,
            calldata: CalldataView(data: request.data.bytes, messageType: request.messageType, configuration: settings.configuration),
            versions: lifecycle.versions.map { version in
                .init(
                    number: version.number, kind: version.kind.rawValue, hash: version.hash.description,
                    explorerURL: settings.explorerLink(version.hash.description),
                    maxFeePerGas: "\(version.fees.maxFeePerGas) wei", maxPriorityFeePerGas: "\(version.fees.maxPriorityFeePerGas) wei",
                    signed: TimeView(version.signedAt, now: now))
            },
            attempts: attempts.map { attempt in
                .init(
                    number: attempt.number, version: attempt.version, hash: attempt.hash.description,
                    started: TimeView(attempt.startedAt, now: now), endpoint: attempt.endpoint,
                    durationMS: Self.milliseconds(from: attempt.startedAt, to: attempt.finishedAt),
                    outcome: attempt.outcome == .unknown ? "unknown (no answer: it may have landed)" : attempt.outcome.rawValue,
                    errorClass: attempt.outcome == .accepted ? nil : attempt.outcome.rawValue, error: attempt.error)
            },
            receipt: receipt, chainHead: head?.value, outcomeReason: outcomeReason, giveUpReason: lifecycle.giveUpReason,
            lastError: lifecycle.lastError, retryOf: request.retryOf?.description, retriedAs: retriedAs?.description,
            audit: audit.map(Self.audit(now: now)),
            canRetry: retryable && (role?.includes(.operator) ?? false), retryable: retryable)
    }

    static func milliseconds(from start: Date, to end: Date) -> Int {
        let milliseconds: Double = (end.timeIntervalSince(start) * 1000).rounded()
        guard milliseconds.isFinite, milliseconds < 1e15, milliseconds > -1e15 else { return 0 }
        return Int(milliseconds)
    }

    static func audit(now: Date) -> (AuditRecord) -> DetailView.Audit {
        { record in
            DetailView.Audit(
                id: record.id, at: TimeView(record.at, now: now), user: record.entry.user, action: record.entry.action.rawValue,
                reason: record.entry.reason,
                details: record.entry.details.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; "))
        }
    }
}
