import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Synchronization
import Testing

/// The store's own clock in most tests: frozen, so that a lease expiring shows the store
/// follows the database's clock, not this one.
let fixedNow = Date(timeIntervalSince1970: 1_750_000_000.25)

/// A clock that moves one second on every reading, so that each write has its own time.
final class TickingClock: Sendable {
    private let seconds = Atomic<Int64>(1_750_000_000)

    func now() -> Date {
        Date(timeIntervalSince1970: Double(seconds.add(1, ordering: .relaxed).newValue))
    }
}

let senderA = try! Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
let senderB = try! Address("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF")
let senderC = try! Address("0x6813eb9362372eef6200f3b1dbc3f819671cba69")
let contract = try! Address("0x5FbDB2315678afecb367f032d93F642f64180aa3")

let requestsTopic = "broadcaster.requests"
let workersGroup = "broadcaster-workers"

/// A request with a sub-millisecond acceptance time, to check that what a write returns equals
/// what a later read returns.
func makeRequest(from sender: Address = senderA, id: RequestID = RequestID(), retryOf: RequestID? = nil) -> BroadcastRequest {
    BroadcastRequest(
        id: id, messageType: "add_weight(address _addr, uint256 _weight)", function: "add_weight(address,uint256)",
        data: Calldata([0x1c, 0x41, 0x74, 0x2f] + [UInt8](repeating: 7, count: 64)), to: contract, from: sender,
        acceptedAt: Date(timeIntervalSince1970: 1_749_999_999.123456), retryOf: retryOf)
}

func position(_ offset: Int64, partition: Int32 = 0, group: String = workersGroup, topic: String = requestsTopic) -> ConsumedPosition {
    ConsumedPosition(group: group, topic: topic, partition: partition, offset: offset)
}

/// Consumed messages at consecutive offsets of one partition, from `firstOffset`.
func messages(_ requests: [BroadcastRequest?], firstOffset: Int64 = 0, partition: Int32 = 0, topic: String = requestsTopic) -> [ConsumedMessage] {
    requests.enumerated().map { index, request in
        ConsumedMessage(request: request, position: position(firstOffset + Int64(index), partition: partition, topic: topic))
    }
}

/// When the fake signer signs: sub-millisecond, like a real clock (the store keeps 0.750, which
/// binary floating point holds exactly, so events that carry it compare equal).
let signingTime = Date(timeIntervalSince1970: 1_750_000_000.750_4)

/// When later versions are signed: whole milliseconds, so that events carry them exactly.
let laterSigningTime = Date(timeIntervalSince1970: 1_750_000_100.5)

/// A signed version standing in for a real one: bytes unique to the request, number and kind,
/// hashed like a transaction; fees rise with the number.
func makeVersion(
    _ request: RequestID, nonce: Nonce, number: Int = 1, kind: TransactionVersion.Kind = .original, at date: Date = signingTime
) -> TransactionVersion {
    let raw = [0x02] + Array(request.description.utf8) + withUnsafeBytes(of: nonce.value.bigEndian, Array.init)
        + [UInt8(truncatingIfNeeded: number)] + Array(kind.rawValue.utf8)
    return TransactionVersion(
        number: number, kind: kind, hash: try! TxHash(bytes: Keccak256.hash(raw)), raw: raw,
        fees: FeeCaps(maxFeePerGas: .gwei(30 + 4 * UInt64(number)), maxPriorityFeePerGas: .gwei(1 + UInt64(number))),
        signedAt: date)
}

/// Stands in for signing the original.
@Sendable func fakeSign(_ request: BroadcastRequest, _ nonce: Nonce) throws -> TransactionVersion {
    makeVersion(request.id, nonce: nonce)
}

struct SigningRefused: Error, CustomStringConvertible {
    var description: String { "the key refused to sign" }
}

extension IntakeResult {
    var stored: StoredRequest? {
        switch self {
        case .new(let stored), .existing(let stored): stored
        case .skipped, .refused: nil
        }
    }

    var isNew: Bool {
        if case .new = self { true } else { false }
    }

    var isExisting: Bool {
        if case .existing = self { true } else { false }
    }

    var refusal: IntakeRefusal? {
        if case .refused(let refusal) = self { refusal } else { nil }
    }
}

// MARK: Leases

/// Takes `sender`'s lease for `owner`, which must be free; for an hour unless told otherwise,
/// since a loaded machine's test can take minutes (tests that need expiry call `expire`).
func lease(_ store: any StatusStore, _ sender: Address = senderA, owner: String = "worker-1", length: Duration = .seconds(3600)) async throws -> LeaseFence {
    let acquisition = try await store.acquireLease(sender: sender, owner: owner, length: length)
    return try #require(acquisition.fence, "\(sender)'s lease should be free for \(owner): \(acquisition)")
}

/// Leases for every sender of the tests, held by one owner.
func leases(_ store: any StatusStore, _ senders: [Address] = [senderA, senderB, senderC], owner: String = "worker-1") async throws -> [Address: LeaseFence] {
    var fences: [Address: LeaseFence] = [:]
    for sender in senders { fences[sender] = try await lease(store, sender, owner: owner) }
    return fences
}

/// Lets `fence`'s lease run out by the store's clock without anyone taking it: renewed for a
/// millisecond, then waited for until the store says it expired.
func expire(_ store: any StatusStore, _ fence: LeaseFence) async throws {
    _ = try #require(try await store.renewLease(fence, length: .milliseconds(1)), "the lease should still be held")
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(20))
        if try await store.leases().first(where: { $0.sender == fence.sender })?.isExpired == true { return }
    }
    Issue.record("the lease of \(fence.sender) did not expire")
}

// MARK: Intake

/// Takes in one request alone under `fences` and returns what was stored.
func intakeOne(
    _ store: any StatusStore, _ request: BroadcastRequest, fences: [Address: LeaseFence], offset: Int64 = 0, partition: Int32 = 0,
    sign: @Sendable (BroadcastRequest, Nonce) throws -> TransactionVersion = fakeSign
) async throws -> StoredRequest {
    let results = try await store.intake(
        messages([request], firstOffset: offset, partition: partition), fences: fences, retryDeadline: .seconds(600), sign: sign)
    return try #require(results.first?.stored, "\(results)")
}

/// Takes in one request of each given sender, at consecutive offsets of partition 0.
func intake(
    _ store: any StatusStore, _ senders: [Address], fences: [Address: LeaseFence], firstOffset: Int64 = 0, partition: Int32 = 0
) async throws -> [StoredRequest] {
    let results = try await store.intake(
        messages(senders.map { makeRequest(from: $0) }, firstOffset: firstOffset, partition: partition), fences: fences,
        retryDeadline: .seconds(600), sign: fakeSign)
    return try results.map { try #require($0.stored, "\($0)") }
}

/// The next nonce intake would give `sender`, found by taking in one request (at `offset`).
func nextNonce(_ store: any StatusStore, _ sender: Address, fences: [Address: LeaseFence], offset: Int64) async throws -> Nonce {
    try await intakeOne(store, makeRequest(from: sender), fences: fences, offset: offset).lifecycle.nonce
}

// MARK: Lifecycles

let testPolicy = LifecyclePolicy(
    confirmations: 2,
    retry: RetryPolicy(initialDelay: .seconds(2), multiplier: 2, maxDelay: .seconds(60), jitter: 0, deadline: .seconds(600)),
    poolCheckAfter: .seconds(60), bumpAfter: .seconds(120), bumpAfterBlocks: 10,
    fees: FeePolicy(minTip: .gwei(1), maxTip: .gwei(5), ceiling: .gwei(500)))

/// `state` after `events`, as the request's lifecycle computes it (at `fixedNow`).
func applying(_ events: [LifecycleEvent], to state: LifecycleState, at date: Date = fixedNow) -> LifecycleState {
    var lifecycle = RequestLifecycle(state: state, policy: testPolicy)
    var random = SystemRandomNumberGenerator()
    for event in events { lifecycle.apply(event, at: date, random: &random) }
    return lifecycle.state
}

func blockHash(_ byte: UInt8) -> BlockHash { BlockHash(bytes: [UInt8](repeating: byte, count: 32))! }

func inclusion(of hash: TxHash, block: UInt64 = 1000, succeeded: Bool = true) -> Inclusion {
    Inclusion(
        hash: hash, block: BlockNumber(block), blockHash: blockHash(UInt8(block % 251)), succeeded: succeeded,
        gasUsed: Gas(43_210), effectiveGasPrice: .gwei(31))
}

/// A state taken through to `status` by lifecycle events; `stored` is signed.
func state(_ stored: StoredRequest, _ status: TransactionStatus) -> LifecycleState {
    let original = stored.lifecycle.original
    let accepted = LifecycleEvent.sent(version: 1, .accepted, head: BlockNumber(990))
    switch status {
    case .accepted, .signed: return stored.lifecycle
    case .retrying: return applying([.sent(version: 1, .notSent(reason: "connection refused"), head: nil)], to: stored.lifecycle)
    case .unknown: return applying([.sent(version: 1, .unknown(reason: "timed out after 30 s"), head: nil)], to: stored.lifecycle)
    case .submitted: return applying([accepted], to: stored.lifecycle)
    case .replaced:
        let replacement = makeVersion(stored.id, nonce: stored.lifecycle.nonce, number: 2, kind: .replacement, at: laterSigningTime)
        return applying([accepted, .signed(replacement), .sent(version: 2, .accepted, head: BlockNumber(991))], to: stored.lifecycle)
    case .mined: return applying([accepted, .included(inclusion(of: original.hash))], to: stored.lifecycle)
    case .confirmed: return applying([accepted, .included(inclusion(of: original.hash)), .head(BlockNumber(1001))], to: stored.lifecycle)
    case .reverted:
        return applying([accepted, .included(inclusion(of: original.hash, succeeded: false)), .head(BlockNumber(1001))], to: stored.lifecycle)
    case .failed: return applying([accepted, .sent(version: 1, .refused(.nonceTooLow, reason: "nonce too low"), head: nil), .settled(.takenByOther)], to: stored.lifecycle)
    }
}

// MARK: The outbox

/// Every event in the outbox, oldest first, claimed by an inspector that never acknowledges
/// (its own holds are handed back to it on every claim).
func outboxEvents(_ store: any StatusStore) async throws -> [OutboxEntry] {
    try await store.claimOutbox(owner: "inspector", limit: 10_000, holdFor: .seconds(600))
}

func outboxEvents(_ store: any StatusStore, of id: RequestID) async throws -> [StatusEvent] {
    try await outboxEvents(store).map(\.event).filter { $0.id == id }
}
