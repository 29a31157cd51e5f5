/// Pauses fetching while a consumer's buffer is full and resumes it once half drained.
///
/// Runs on the polling thread; the consumer keeps polling while paused, so it stays in its
/// group. A rebalance hands out unpaused partitions, so a changed assignment generation
/// re-applies the pause.
struct FetchPauser {
    let limit: Int
    private(set) var paused = false
    private var pausedGeneration = -1

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    enum Action: Equatable { case none, pause, resume }

    mutating func update(buffered: Int, generation: Int) -> Action {
        if buffered >= limit {
            guard !paused || generation != pausedGeneration else { return .none }
            paused = true
            pausedGeneration = generation
            return .pause
        }
        if paused && buffered <= limit / 2 {
            paused = false
            return .resume
        }
        return .none
    }
}
