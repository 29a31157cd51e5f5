import EVMPrimitives

/// The block hashes the chain watcher has processed, by number: its view of the canonical
/// chain over its window.
///
/// The watcher reports a reorganisation only of blocks it had processed. A lane also learns of
/// inclusions by itself (its settlement's and its pool check's receipts, its receipts check at
/// start), and such a receipt may name a block the watcher never processed because it was
/// replaced first. Checking every inclusion against these hashes catches those: a request is
/// never confirmed in a block that is not the one the watcher saw at its number.
public struct CanonicalBlocks: Hashable, Sendable {
    private let hashes: [BlockNumber: BlockHash]

    public init(_ hashes: [BlockNumber: BlockHash] = [:]) {
        self.hashes = hashes
    }

    public func hash(at number: BlockNumber) -> BlockHash? { hashes[number] }

    /// True when the watcher processed another block at the inclusion's number: the receipt
    /// came from a block that is no longer canonical. Unknown numbers (above the watcher's
    /// head, or below its window) contradict nothing.
    public func contradicts(_ inclusion: Inclusion) -> Bool {
        guard let canonical = hashes[inclusion.block] else { return false }
        return canonical != inclusion.blockHash
    }
}
