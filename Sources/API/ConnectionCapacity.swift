#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many connections the API serves at once: `api.maxConnections`, but never more than the
/// process's file limit leaves for them. Beyond it new connections wait in the listen backlog
/// instead of taking the descriptors that the producer, the results tail, the broker probe and
/// the store need; so under a low `ulimit -n` the API keeps answering.
struct ConnectionCapacity: Hashable, Sendable {
    /// Descriptors kept for everything but connections: librdkafka's sockets and wake-up pipes
    /// of three clients, the store's pool (file, WAL and shared memory per connection), the
    /// event loops, standard streams. Measured at rest well below half of this.
    static let reserved = 128
    /// Fewer connections than this would make the API unusable; the file limit is then wrong.
    static let minimum = 8

    let configured: Int
    let fileLimit: Int?

    /// The connections served at once.
    var effective: Int {
        guard let fileLimit else { return configured }
        return min(configured, max(Self.minimum, fileLimit - Self.reserved))
    }

    /// What to tell the operator when the file limit lowers `api.maxConnections`.
    var warning: String? {
        guard let fileLimit, effective < configured else { return nil }
        return "api.maxConnections is \(configured) but the open-file limit is \(fileLimit) (ulimit -n), of which \(Self.reserved) are kept for Kafka and the store: serving at most \(effective) connections at once; raise the limit to serve more"
    }

    /// The soft limit on open files of this process, nil if unlimited or unknown.
    static func currentFileLimit() -> Int? {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        // RLIM_INFINITY is all ones; Swift cannot import the C macro.
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: limit.rlim_cur)
    }
}
