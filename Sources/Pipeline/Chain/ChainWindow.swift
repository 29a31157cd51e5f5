import EVMPrimitives
import Lifecycle

/// The recent canonical blocks the watcher has processed: enough of them (the confirmation
/// depth and a margin) to tell the next block from a reorganisation and to find the fork point.
///
/// A pure value; the watcher fetches headers and asks it what they mean.
///
/// ```swift
/// var window = ChainWindow(keep: 64)
/// window.step(header)   // .extends, .reorganised(forkPoint:), .unknownParent, .behind
/// ```
struct ChainWindow: Sendable {
    struct Header: Hashable, Sendable {
        var number: BlockNumber
        var hash: BlockHash
        var parentHash: BlockHash
    }

    /// What a header fetched by number means for the window.
    enum Step: Hashable, Sendable {
        /// The next block on top of the processed head (or the first one seen): process it.
        case extends
        /// The header at a number the window already holds differs: the chain changed at or
        /// below it. Blocks above `forkPoint` are gone; fetch downwards to confirm it.
        case differs(at: BlockNumber)
        /// Already processed, the same block.
        case known
        /// Not the next block: fetch the ones between first.
        case ahead(next: BlockNumber)
    }

    let keep: UInt64
    private var hashes: [UInt64: BlockHash] = [:]
    private(set) var head: BlockNumber?

    init(keep: UInt64) {
        self.keep = max(2, keep)
    }

    func hash(at number: BlockNumber) -> BlockHash? { hashes[number.value] }

    /// The processed blocks, for the lanes to check the inclusions they found themselves.
    var canonical: CanonicalBlocks {
        CanonicalBlocks(Dictionary(uniqueKeysWithValues: hashes.map { (BlockNumber($0.key), $0.value) }))
    }

    /// The lowest block still held.
    var bottom: BlockNumber? { hashes.keys.min().map(BlockNumber.init) }

    func step(_ header: Header) -> Step {
        guard let head else { return .extends }
        if let stored = hashes[header.number.value] {
            return stored == header.hash ? .known : .differs(at: header.number)
        }
        guard header.number.value == head.value + 1 else {
            return header.number > head ? .ahead(next: BlockNumber(head.value + 1)) : .differs(at: header.number)
        }
        return hashes[head.value] == header.parentHash ? .extends : .differs(at: head)
    }

    /// Takes `header` as the new head (after `.extends`).
    mutating func append(_ header: Header) {
        hashes[header.number.value] = header.hash
        head = header.number
        let floor = header.number.value >= keep ? header.number.value - keep + 1 : 0
        hashes = hashes.filter { $0.key >= floor }
    }

    /// Drops every block above `number`: they were reorganised away.
    mutating func rewind(to number: BlockNumber) {
        hashes = hashes.filter { $0.key <= number.value }
        head = hashes.keys.max().map(BlockNumber.init)
    }
}
