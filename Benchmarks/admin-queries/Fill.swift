import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import StatusStore

/// What the filled store holds, for the queries to ask about.
struct Population {
    var senders: [Address] = []
    var contracts: [Address] = []
    var messageTypes: [String] = []
    var selectors: [FunctionSelector] = []
    /// A sample of stored ids, their hashes and idempotency key hashes.
    var ids: [RequestID] = []
    var hashes: [String] = []
    var keyHashes: [[UInt8]] = []
    var firstCreated: Int64 = 0
    var lastCreated: Int64 = 0
}

/// Writes `count` requests straight into a store file the store has migrated, in the shape
/// the store writes them: a million intakes through the store would take hours on this
/// machine, and what is measured is reading, not writing. `status_counts` is then filled the
/// way migration v5 fills it.
///
/// A fixed mix: 1,000 senders, 50 contracts, 20 message types (each its own selector), 30 days
/// of creation times; 90% confirmed, 5% failed, 2% reverted, the rest spread over the
/// unfinished statuses; 5% have a replacement version; 10% came with an Idempotency-Key.
enum Fill {
    static let unfinished = ["signed", "retrying", "unknown", "submitted", "replaced", "mined"]

    static func run(path: String, count: Int, seed: UInt64) throws -> Population {
        var random = SplitMix(seed: seed)
        var population = try mix()

        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        var nonces = [Int64](repeating: 0, count: population.senders.count)
        let start = Int64(1_750_000_000_000)
        let span = Int64(30 * 24 * 3600 * 1000)
        population.firstCreated = start
        let chunk = 50_000
        var written = 0
        while written < count {
            let upTo = min(count, written + chunk)
            try queue.inTransaction { db in
                let requests = try db.makeStatement(sql: """
                    INSERT INTO requests (id, message_type, function, data, to_address, from_address, accepted_at, nonce, status,
                        sequence, accepted_version, sends, deadline_at, outcome, last_error, created_at, updated_at, selector, last_error_class)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let versions = try db.makeStatement(sql: """
                    INSERT INTO versions (request_id, number, kind, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, signed_at)
                    VALUES (?, ?, ?, ?, ?, '30000000000', '1000000000', ?)
                    """)
                let keys = try db.makeStatement(sql: """
                    INSERT INTO idempotency_keys (key_hash, request_id, body_hash, created_at) VALUES (?, ?, x'00', ?)
                    """)
                for index in written..<upTo {
                    let id = RequestID()
                    let text = id.description
                    let created = start + span * Int64(index) / Int64(count)
                    let sender = Int(random.next() % UInt64(population.senders.count))
                    let kind = Int(random.next() % 20)
                    let roll = random.next() % 100
                    let status = roll < 90 ? "confirmed" : roll < 95 ? "failed" : roll < 97 ? "reverted" : unfinished[Int(roll % 6)]
                    let outcome: String? = ["confirmed", "failed", "reverted"].contains(status) ? status : nil
                    let errorClass: String? = status == "failed" ? "nonce_too_low" : roll % 7 == 0 ? "unknown" : nil
                    let calldata = population.selectors[kind].bytes + [UInt8](repeating: UInt8(kind), count: 64)
                    try requests.execute(arguments: [
                        text, population.messageTypes[kind], "operation_\(kind)(address,uint256)", Data(calldata),
                        population.contracts[(kind * 7 + sender) % population.contracts.count].checksummed, population.senders[sender].checksummed,
                        created - 20, nonces[sender], status, outcome == nil ? 2 : 4, 1, 1 + Int(roll % 3), created + 1_800_000, outcome,
                        errorClass == nil ? nil : "the node said no", created, created + 60_000, population.selectors[kind].description, errorClass,
                    ])
                    nonces[sender] += 1
                    let replaced = roll % 20 == 3
                    for number in 1...(replaced ? 2 : 1) {
                        let raw = [0x02] + Array(text.utf8) + [UInt8(number)]
                        let hash = Hex.encode(Keccak256.hash(raw))
                        try versions.execute(arguments: [text, number, number == 1 ? "original" : "replacement", hash, Data(raw), created])
                        if index % 997 == 0 { population.hashes.append(hash) }
                    }
                    if index % 10 == 0 {
                        let key = Keccak256.hash(Array("key-\(index)".utf8))
                        try keys.execute(arguments: [Data(key), text, created])
                        if index % 9970 == 0 { population.keyHashes.append(key) }
                    }
                    if index % 997 == 0 { population.ids.append(id) }
                    population.lastCreated = created
                }
                return .commit
            }
            written = upTo
            if written % 200_000 == 0 || written == count { print("  filled \(written) requests") }
        }
        try queue.write { db in
            try db.execute(sql: """
                DELETE FROM status_counts;
                INSERT INTO status_counts (status, count) SELECT status, COUNT(*) FROM requests GROUP BY status;
                """)
        }
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try queue.close()
        return population
    }

    /// The senders, contracts, message types and selectors of every fill.
    static func mix() throws -> Population {
        var population = Population()
        population.senders = try (0..<1000).map { try address(0x10, $0) }
        population.contracts = try (0..<50).map { try address(0xC0, $0) }
        population.messageTypes = (0..<20).map { "operation_\($0)(address who, uint256 amount)" }
        population.selectors = (0..<20).compactMap { FunctionSelector(calldata: Keccak256.hash(Array("operation_\($0)(address,uint256)".utf8))) }
        return population
    }

    /// The population of a store filled before: the mix, and samples read back from the file.
    static func population(path: String) throws -> Population {
        var population = try mix()
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            population.ids = try String.fetchAll(db, sql: "SELECT id FROM requests WHERE rowid % 997 = 0").compactMap(RequestID.init)
            population.hashes = try String.fetchAll(db, sql: "SELECT hash FROM versions WHERE rowid % 997 = 0")
            population.keyHashes = try Data.fetchAll(db, sql: "SELECT key_hash FROM idempotency_keys WHERE rowid % 997 = 0").map(Array.init)
            population.firstCreated = try Int64.fetchOne(db, sql: "SELECT MIN(created_at) FROM requests") ?? 0
            population.lastCreated = try Int64.fetchOne(db, sql: "SELECT MAX(created_at) FROM requests") ?? 0
        }
        try queue.close()
        return population
    }

    /// A valid address from a tag and an index, spelled as the store spells addresses.
    static func address(_ tag: UInt8, _ index: Int) throws -> Address {
        try Address(bytes: [tag] + [UInt8](repeating: 0, count: 15) + withUnsafeBytes(of: UInt32(index).bigEndian, Array.init))
    }
}

/// A seeded generator, so that two runs fill the same mix.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
