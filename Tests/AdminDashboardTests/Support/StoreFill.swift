import ABI
import AdminActions
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore

/// Puts requests into a real store through its own API: intake signs them (a stand-in
/// signature), then lifecycle events take each to the status a test needs.
enum StoreFill {
    static let senderA = try! Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
    static let senderB = try! Address("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF")
    static let contract = try! Address("0x5FbDB2315678afecb367f032d93F642f64180aa3")
    static let otherContract = try! Address("0x6813eb9362372eef6200f3b1dbc3f819671cba69")
    static let addWeight = "add_weight(address _addr, uint256 _weight)"
    static let setName = "set_name(string name)"
    static let topic = "broadcaster.requests"
    static let group = "broadcaster-workers"

    /// `add_weight(target, weight)` as calldata.
    static func addWeightCalldata(_ target: Address, weight: UInt64) -> [UInt8] {
        let signature = try! FunctionSignature(parsing: addWeight)
        return signature.selector + [UInt8](repeating: 0, count: 12) + target.bytes
            + [UInt8](repeating: 0, count: 24) + withUnsafeBytes(of: weight.bigEndian, Array.init)
    }

    /// `set_name(text)` as calldata.
    static func setNameCalldata(_ text: String) -> [UInt8] {
        let signature = try! FunctionSignature(parsing: setName)
        let bytes = Array(text.utf8)
        let padded = bytes + [UInt8](repeating: 0, count: (32 - bytes.count % 32) % 32)
        return signature.selector + word(32) + word(UInt64(bytes.count)) + padded
    }

    static func word(_ value: UInt64) -> [UInt8] {
        [UInt8](repeating: 0, count: 24) + withUnsafeBytes(of: value.bigEndian, Array.init)
    }

    static func request(
        from sender: Address = senderA, to: Address = contract, messageType: String = addWeight, data: [UInt8]? = nil,
        id: RequestID = RequestID(), retryOf: RequestID? = nil
    ) -> BroadcastRequest {
        let function = (try? FunctionSignature(parsing: messageType).canonical) ?? "f()"
        return BroadcastRequest(
            id: id, messageType: messageType, function: function, data: Calldata(data ?? addWeightCalldata(otherContract, weight: 42)),
            to: to, from: sender, acceptedAt: Date(), retryOf: retryOf)
    }

    static func version(_ request: RequestID, nonce: Nonce, number: Int = 1, kind: TransactionVersion.Kind = .original) -> TransactionVersion {
        let raw = [0x02] + Array(request.description.utf8) + withUnsafeBytes(of: nonce.value.bigEndian, Array.init)
            + [UInt8(truncatingIfNeeded: number)] + Array(kind.rawValue.utf8)
        return TransactionVersion(
            number: number, kind: kind, hash: try! TxHash(bytes: Keccak256.hash(raw)), raw: raw,
            fees: FeeCaps(maxFeePerGas: .gwei(30 + 4 * UInt64(number)), maxPriorityFeePerGas: .gwei(1 + UInt64(number))),
            signedAt: Date())
    }

    static let policy = LifecyclePolicy(
        confirmations: 2,
        retry: RetryPolicy(initialDelay: .seconds(2), multiplier: 2, maxDelay: .seconds(60), jitter: 0, deadline: .seconds(600)),
        poolCheckAfter: .seconds(60), bumpAfter: .seconds(120), bumpAfterBlocks: 10,
        fees: FeePolicy(minTip: .gwei(1), maxTip: .gwei(5), ceiling: .gwei(500)))

    static func applying(_ events: [LifecycleEvent], to state: LifecycleState) -> LifecycleState {
        var lifecycle = RequestLifecycle(state: state, policy: policy)
        var random = SystemRandomNumberGenerator()
        for event in events { lifecycle.apply(event, at: Date(), random: &random) }
        return lifecycle.state
    }

    static func inclusion(of hash: TxHash, block: UInt64 = 1000, succeeded: Bool = true) -> Inclusion {
        Inclusion(
            hash: hash, block: BlockNumber(block), blockHash: BlockHash(bytes: [UInt8](repeating: UInt8(block % 251), count: 32))!,
            succeeded: succeeded, gasUsed: Gas(43_210), effectiveGasPrice: .gwei(31))
    }

    /// `stored`'s state after lifecycle events that take it to `status`.
    static func state(_ stored: StoredRequest, _ status: TransactionStatus) -> LifecycleState {
        let original = stored.lifecycle.original
        let accepted = LifecycleEvent.sent(version: 1, .accepted, head: BlockNumber(990))
        switch status {
        case .accepted, .signed: return stored.lifecycle
        case .retrying: return applying([.sent(version: 1, .notSent(reason: "connection refused"), head: nil)], to: stored.lifecycle)
        case .unknown: return applying([.sent(version: 1, .unknown(reason: "timed out after 30 s"), head: nil)], to: stored.lifecycle)
        case .submitted: return applying([accepted], to: stored.lifecycle)
        case .replaced:
            let replacement = version(stored.id, nonce: stored.lifecycle.nonce, number: 2, kind: .replacement)
            return applying([accepted, .signed(replacement), .sent(version: 2, .accepted, head: BlockNumber(991))], to: stored.lifecycle)
        case .mined: return applying([accepted, .included(inclusion(of: original.hash))], to: stored.lifecycle)
        case .confirmed: return applying([accepted, .included(inclusion(of: original.hash)), .head(BlockNumber(1001))], to: stored.lifecycle)
        case .reverted:
            return applying([accepted, .included(inclusion(of: original.hash, succeeded: false)), .head(BlockNumber(1001))], to: stored.lifecycle)
        case .failed:
            return applying(
                [accepted, .sent(version: 1, .refused(.nonceTooLow, reason: "nonce too low"), head: nil), .settled(.takenByOther)],
                to: stored.lifecycle)
        }
    }
}

/// A store file with leases for the test senders, filled request by request.
final class FilledStore: @unchecked Sendable {
    let store: SQLiteStatusStore
    private var fences: [Address: LeaseFence] = [:]
    private var offset: Int64 = 0

    init(path: String) async throws {
        store = try SQLiteStatusStore(path: path)
        for sender in [StoreFill.senderA, StoreFill.senderB] {
            fences[sender] = try await store.acquireLease(sender: sender, owner: "worker-1", length: .seconds(3600)).fence
        }
    }

    /// Takes `request` in and moves it to `status`, with `attempts` sends recorded.
    @discardableResult
    func add(_ request: BroadcastRequest, _ status: TransactionStatus = .signed, attempts: [(SendClass, String?)] = []) async throws -> StoredRequest {
        let results = try await store.intake(
            [ConsumedMessage(request: request, position: ConsumedPosition(group: StoreFill.group, topic: StoreFill.topic, partition: 0, offset: offset))],
            fences: fences, retryDeadline: .seconds(600), sign: { request, nonce in StoreFill.version(request.id, nonce: nonce) })
        offset += 1
        guard case .new(let stored) = results.first else { throw FillFailed(description: "intake answered \(results)") }
        guard let fence = fences[request.from] else { throw FillFailed(description: "no lease for \(request.from)") }
        let sends = attempts.enumerated().map { index, attempt in
            BroadcastAttempt(
                requestID: stored.id, number: index + 1, version: 1, hash: stored.lifecycle.original.hash, startedAt: Date(),
                finishedAt: Date().addingTimeInterval(0.25), outcome: attempt.0, endpoint: "http://node-1:8545", error: attempt.1)
        }
        let state = StoreFill.state(stored, status)
        if status != .signed || !sends.isEmpty {
            try await store.save([state], attempts: sends, fence: fence)
        }
        return try await store.request(stored.id) ?? stored
    }

    /// Moves the sender's next nonce up to the chain's pending count, as a worker does.
    func reconcile(_ sender: Address, chainPending: Nonce) async throws {
        guard let fence = fences[sender] else { return }
        _ = try await store.reconcileNonce(fence, chainPending: chainPending)
    }

    func move(_ stored: StoredRequest, to status: TransactionStatus) async throws {
        guard let fence = fences[stored.request.from] else { return }
        try await store.save([StoreFill.state(stored, status)], attempts: [], fence: fence)
    }

    struct FillFailed: Error, CustomStringConvertible { var description: String }
}
