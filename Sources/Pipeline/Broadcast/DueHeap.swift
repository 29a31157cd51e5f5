/// A min-heap of items by due time; items due at the same time leave in the order they came.
struct DueHeap<Instant: Comparable & Sendable, Item: Sendable>: Sendable {
    private struct Entry: Sendable {
        var due: Instant
        var sequence: UInt64
        var item: Item

        func precedes(_ other: Entry) -> Bool {
            due < other.due || (due == other.due && sequence < other.sequence)
        }
    }

    private var entries: [Entry] = []
    private var nextSequence: UInt64 = 0

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }
    /// The earliest due time.
    var earliest: Instant? { entries.first?.due }

    mutating func insert(_ item: Item, due: Instant) {
        entries.append(Entry(due: due, sequence: nextSequence, item: item))
        nextSequence &+= 1
        siftUp(from: entries.count - 1)
    }

    /// Removes and returns the earliest item if it is due at `now`.
    mutating func popDue(at now: Instant) -> Item? {
        guard let first = entries.first, first.due <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            siftDown(from: 0)
        }
        return first.item
    }

    private mutating func siftUp(from index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(from index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < entries.count, entries[left].precedes(entries[first]) { first = left }
            if right < entries.count, entries[right].precedes(entries[first]) { first = right }
            guard first != parent else { return }
            entries.swapAt(parent, first)
            parent = first
        }
    }
}
