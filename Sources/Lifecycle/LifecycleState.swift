import BroadcastModel
import EVMPrimitives
import Foundation

/// Everything the store keeps of a request's life at its nonce: a plain value, so a restarted
/// worker (or the next lease owner) continues exactly where the last one stopped.
public struct LifecycleState: Hashable, Sendable {
    /// A request that will not change any more.
    public enum Outcome: Hashable, Sendable {
        /// Mined, executed successfully, deep enough.
        case confirmed
        /// Mined deep enough, but execution reverted: the nonce is used, the call had no effect.
        case reverted
        /// Never landed: the nonce is taken, deep enough, by something other than its call.
        case failed(reason: String)
    }

    public let id: RequestID
    public let sender: Address
    public let nonce: Nonce
    /// The first version, signed at intake.
    public let original: TransactionVersion
    /// Versions signed after it (replacements, a cancellation), oldest first.
    public private(set) var later: [TransactionVersion] = []
    /// The highest version number a node took (0: none yet).
    public var acceptedVersion: Int = 0
    /// The last send lost its answer, so the version may be out even though no node said so.
    public var lastSendUnknown = false
    /// Sends made, of any version.
    public var sends = 0
    /// Sends in a row that did not reach a node, for the backoff.
    public var failuresInARow = 0
    /// When the newest version is due to be sent (again); nil when no send is due.
    public var nextSendAt: Date?
    /// Given up if no version reached a node by then (never while waiting for funds).
    public var deadline: Date
    /// When and at which head the newest accepted version was taken: the bump timer.
    public var acceptedAt: Date?
    public var acceptedAtBlock: BlockNumber?
    /// When to ask the node whether it still holds the newest accepted version.
    public var poolCheckAt: Date?
    /// Where a version was mined, while that block is canonical.
    public var inclusion: Inclusion?
    public var outcome: Outcome?
    /// Why the request was given up; a cancellation takes its nonce.
    public var giveUpReason: String?
    /// The sender cannot pay; sends go on at the slowest pace and an operator is alerted.
    public var waitingForFunds = false
    /// A node asked for higher fees: the next version is a replacement.
    public var wantsReplacement = false
    /// A node said the nonce is used: receipts and the chain's count decide whose it was.
    public var needsSettlement = false
    /// Why the fees cannot rise any further, while that stops a needed replacement.
    public var feeCeilingReached = false
    /// The last failure, in words an operator can act on.
    public var lastError: String?

    public init(id: RequestID, sender: Address, nonce: Nonce, original: TransactionVersion, deadline: Date) {
        self.id = id
        self.sender = sender
        self.nonce = nonce
        self.original = original
        self.deadline = deadline
        self.nextSendAt = original.signedAt
    }

    /// A stored state's versions, oldest first; nil when there are none.
    public init?(id: RequestID, sender: Address, nonce: Nonce, versions: [TransactionVersion], deadline: Date) {
        guard let original = versions.first else { return nil }
        self.init(id: id, sender: sender, nonce: nonce, original: original, deadline: deadline)
        self.later = Array(versions.dropFirst())
        self.nextSendAt = nil
    }

    /// Every signed version, oldest first.
    public var versions: [TransactionVersion] { [original] + later }

    /// The newest version: the one every send sends.
    public var latest: TransactionVersion { later.last ?? original }

    mutating func append(_ version: TransactionVersion) {
        later.append(version)
    }

    public func version(_ hash: TxHash) -> TransactionVersion? {
        original.hash == hash ? original : later.first { $0.hash == hash }
    }

    /// The status this state shows: the chain's word once there is one.
    public var status: TransactionStatus {
        switch outcome {
        case .confirmed: return .confirmed
        case .reverted: return .reverted
        case .failed: return .failed
        case nil: break
        }
        if inclusion != nil { return .mined }
        if acceptedVersion > 1 { return .replaced }
        if acceptedVersion == 1 { return .submitted }
        if lastSendUnknown { return .unknown }
        return sends > 0 ? .retrying : .signed
    }

    public var isFinal: Bool { outcome != nil }
}
