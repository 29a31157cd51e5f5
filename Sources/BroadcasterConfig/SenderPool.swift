import BroadcastModel
import EVMPrimitives
import Foundation

/// The addresses that sign one message type's transactions: one, or a pool the API spreads
/// requests over so that no single sender's nonce order limits the type.
///
/// A request's sender follows from its id, so a POST repeated with the same Idempotency-Key
/// (the same id) names the same sender, and every API process picks alike.
public struct SenderPool: Hashable, Sendable {
    /// In configured order; never empty.
    public let addresses: [Address]

    /// Nil for an empty list.
    public init?(_ addresses: [Address]) {
        guard !addresses.isEmpty else { return nil }
        self.addresses = addresses
    }

    /// The sender of request `id`: spread evenly over the pool by the id's leading bytes (random
    /// in a random UUID and in one derived from a digest).
    public func sender(for id: RequestID) -> Address {
        let bytes = id.uuid.uuid
        let spread = [bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return addresses[Int(spread % UInt64(addresses.count))]
    }

    public func contains(_ address: Address) -> Bool { addresses.contains(address) }
}

/// Why a message type has no sender: a signer's address is not configured
/// (`signers.<name>.address`), or it names none.
public struct MissingSenderAddress: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
