import BroadcasterConfig
import Foundation

/// How fast logins may be tried from one key (a user name, a client address): `burst` at
/// once, then one per `interval`.
public struct LoginRate: Sendable, Equatable {
    public var burst: Int
    public var interval: Duration

    public init(burst: Int, interval: Duration) {
        self.burst = max(1, burst)
        self.interval = interval
    }
}

/// Login attempts allowed per user name and per client address: a token bucket for each key
/// (kept as the time its bucket is full again), as a value with the clock passed in.
///
/// Every attempt takes a token from both buckets before the password is checked, so that
/// attempts made in parallel count too; a successful login gives the user's bucket back in full
/// and the address its token. A key whose bucket is full holds no information and is
/// forgotten; at most `capacity` keys of each kind are tracked (the fullest goes first).
public struct LoginThrottle: Sendable {
    public let perUser: LoginRate
    public let perAddress: LoginRate
    public let capacity: Int
    private var users: [String: Date] = [:]
    private var addresses: [String: Date] = [:]

    public enum Decision: Equatable, Sendable {
        case allowed
        /// Try again after this long.
        case limited(retryAfter: Duration)
    }

    public init(perUser: LoginRate, perAddress: LoginRate, capacity: Int = 10_000) {
        self.perUser = perUser
        self.perAddress = perAddress
        self.capacity = max(1, capacity)
    }

    public init(_ settings: AdminSettings) {
        self.init(
            perUser: LoginRate(burst: settings.loginBurstPerUser, interval: settings.loginIntervalPerUser),
            perAddress: LoginRate(burst: settings.loginBurstPerAddress, interval: settings.loginIntervalPerAddress)
        )
    }

    /// The key for a client whose address is unknown: all such clients share one bucket.
    public static let unknownAddress = "unknown"

    /// Takes a token for `user` from `address` if both buckets have one; otherwise takes none.
    public mutating func attempt(user: String, address: String?, at now: Date) -> Decision {
        let address = address ?? Self.unknownAddress
        let userFull = Self.admit(users[user], rate: perUser, at: now)
        let addressFull = Self.admit(addresses[address], rate: perAddress, at: now)
        switch (userFull, addressFull) {
        case (.success(let userFull), .success(let addressFull)):
            Self.store(userFull, for: user, in: &users, capacity: capacity, at: now)
            Self.store(addressFull, for: address, in: &addresses, capacity: capacity, at: now)
            return .allowed
        case (.failure(let wait), .success), (.success, .failure(let wait)):
            return .limited(retryAfter: wait.duration)
        case (.failure(let userWait), .failure(let addressWait)):
            return .limited(retryAfter: max(userWait.duration, addressWait.duration))
        }
    }

    /// The password was right: the user's bucket is full again and the address gets its token back.
    public mutating func succeeded(user: String, address: String?, at now: Date) {
        users[user] = nil
        let address = address ?? Self.unknownAddress
        if let full = addresses[address] {
            let refunded = full.addingTimeInterval(-perAddress.interval.inSeconds)
            addresses[address] = refunded > now ? refunded : nil
        }
    }

    /// Keys tracked now (for tests and metrics).
    public var trackedUsers: Int { users.count }
    public var trackedAddresses: Int { addresses.count }

    private struct Wait: Error {
        let duration: Duration
    }

    /// When the bucket is full again after one more token is taken, or how long until it can be.
    private static func admit(_ fullAt: Date?, rate: LoginRate, at now: Date) -> Result<Date, Wait> {
        let interval = rate.interval.inSeconds
        let start = max(fullAt ?? now, now)
        let next = start.addingTimeInterval(interval)
        let limit = now.addingTimeInterval(interval * Double(rate.burst))
        guard next <= limit else {
            let seconds = next.timeIntervalSince(limit)
            return .failure(Wait(duration: .milliseconds(Int64((seconds * 1000).rounded(.up)))))
        }
        return .success(next)
    }

    private static func store(_ fullAt: Date, for key: String, in table: inout [String: Date], capacity: Int, at now: Date) {
        if table[key] == nil && table.count >= capacity {
            table = table.filter { $0.value > now }
            while table.count >= capacity, let fullest = table.min(by: { $0.value < $1.value }) {
                table[fullest.key] = nil
            }
        }
        table[key] = fullAt
    }
}
