import StatusStore

/// Saves every lane's changes through one write at a time: what lanes hand in while a save
/// is running goes into the next one, all of it in one transaction. A transaction per lane
/// was most of what saving cost, and on SQLite the workers of a host take turns at one write
/// lock. No lane waits for more than the save in progress and its own.
///
/// The writing happens in the lanes' own tasks: the first lane in writes, and when its save
/// ends, hands the next turn to the first lane that came in meanwhile.
actor GroupedSaves {
    private enum Turn {
        case done(Result<LifecycleSaveOutcome, any Error>)
        case write
    }

    private struct Waiting {
        let ticket: Int
        let changes: LifecycleChanges
    }

    typealias Write = @Sendable ([LifecycleChanges]) async throws -> [LifecycleSaveOutcome]

    private let write: Write
    private var waiting: [Waiting] = []
    private var turns: [Int: CheckedContinuation<Turn, Never>] = [:]
    private var writing = false
    private var nextTicket = 0

    init(store: any StatusStore) {
        self.init(write: { try await store.save($0) })
    }

    /// Saves through `write`, which stores a group as ``StatusStore/save(_:)`` does.
    init(write: @escaping Write) {
        self.write = write
    }

    /// Saves handed in and waiting for the one in progress.
    var waitingCount: Int { waiting.count }

    /// Stores `changes` (see ``StatusStore/save(_:)``) together with whatever other lanes
    /// hand in meanwhile. A failure of the store reaches only the lanes whose changes it refuses.
    func save(_ changes: LifecycleChanges) async throws -> LifecycleSaveOutcome {
        let ticket = nextTicket
        nextTicket += 1
        waiting.append(Waiting(ticket: ticket, changes: changes))
        if writing {
            let turn = await withCheckedContinuation { turns[ticket] = $0 }
            if case .done(let result) = turn { return try result.get() }
        }
        writing = true
        let group = waiting
        waiting.removeAll()
        let results = await store(group)
        var mine: Result<LifecycleSaveOutcome, any Error> = .failure(CancellationError())
        for (entry, result) in zip(group, results) {
            if entry.ticket == ticket {
                mine = result
            } else {
                turns.removeValue(forKey: entry.ticket)?.resume(returning: .done(result))
            }
        }
        if let next = waiting.first {
            turns.removeValue(forKey: next.ticket)?.resume(returning: .write)
        } else {
            writing = false
        }
        return try mine.get()
    }

    /// One transaction for `group`; should it fail, each element alone, so that one lane's
    /// bad change (a bug the store refuses) does not hold every other lane's back.
    private func store(_ group: [Waiting]) async -> [Result<LifecycleSaveOutcome, any Error>] {
        do {
            let outcomes = try await write(group.map(\.changes))
            guard outcomes.count == group.count else {
                let error = StatusStoreError(.storageFailure, "the store answered \(outcomes.count) outcomes for a save of \(group.count) lanes; this is a bug in the store")
                return group.map { _ in .failure(error) }
            }
            return outcomes.map { .success($0) }
        } catch {
            guard group.count > 1 else { return [.failure(error)] }
            var results: [Result<LifecycleSaveOutcome, any Error>] = []
            for entry in group {
                do {
                    let outcomes = try await write([entry.changes])
                    results.append(.success(outcomes.first ?? .saved))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    }
}
