import EVMPrimitives
import Foundation

/// A request the API accepted: the payload of one message on the requests topic.
///
/// It carries everything a worker needs, already resolved from configuration (target contract,
/// sender), so that a worker never has to re-interpret the caller's input with a different
/// configuration than the one that validated it.
public struct BroadcastRequest: Hashable, Sendable, Codable {
    public var id: RequestID
    /// The signature as the caller wrote it.
    public var messageType: String
    /// `message_type` canonicalized, e.g. `add_weight(address,uint256)`.
    public var function: String
    public var data: Calldata
    /// The contract the transaction calls.
    public var to: Address
    /// The configured sender whose key signs it.
    public var from: Address
    public var acceptedAt: Date
    /// The failed request an admin retried, when this one is such a retry.
    public var retryOf: RequestID?

    public init(
        id: RequestID, messageType: String, function: String, data: Calldata,
        to: Address, from: Address, acceptedAt: Date, retryOf: RequestID? = nil
    ) {
        self.id = id
        self.messageType = messageType
        self.function = function
        self.data = data
        self.to = to
        self.from = from
        self.acceptedAt = acceptedAt
        self.retryOf = retryOf
    }

    enum CodingKeys: String, CodingKey {
        case id, function, data, to, from
        case messageType = "message_type"
        case acceptedAt = "accepted_at"
        case retryOf = "retry_of"
    }
}
