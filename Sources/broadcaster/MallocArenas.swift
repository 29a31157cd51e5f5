import Foundation

#if canImport(Glibc)
import CMalloc
#endif

/// glibc gives threads that contend for malloc arenas of their own, up to eight per core, and
/// hands little of them back: two workers holding tens of thousands of requests across NIO's
/// and the concurrency pool's threads ended a benchmark at 1,620 MB of RSS, 1,186 MB with two
/// arenas, at the same throughput (Benchmarks/README.md). Set before the threads start
/// contending, so it holds; an operator's `MALLOC_ARENA_MAX` wins.
enum MallocArenas {
    static func limit(to count: Int32 = 2) {
        #if canImport(Glibc)
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil else { return }
        _ = mallopt(M_ARENA_MAX, count)
        #endif
    }
}
