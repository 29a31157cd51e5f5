import AdminAccess
import Foundation
import Testing

@Suite("Login throttle")
struct LoginThrottleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let rates = (user: LoginRate(burst: 3, interval: .seconds(60)), address: LoginRate(burst: 5, interval: .seconds(10)))

    func throttle(capacity: Int = 10_000) -> LoginThrottle {
        LoginThrottle(perUser: rates.user, perAddress: rates.address, capacity: capacity)
    }

    @Test("a user name gets its burst, then one attempt per interval, with the wait told exactly")
    func perUser() {
        var throttle = throttle()
        for second in 0..<3 {
            #expect(throttle.attempt(user: "alice", address: "a\(second)", at: start) == .allowed)
        }
        #expect(throttle.attempt(user: "alice", address: "a9", at: start) == .limited(retryAfter: .seconds(60)))
        #expect(throttle.attempt(user: "alice", address: "a9", at: start.addingTimeInterval(45)) == .limited(retryAfter: .seconds(15)))
        #expect(throttle.attempt(user: "alice", address: "a9", at: start.addingTimeInterval(60)) == .allowed)
        #expect(throttle.attempt(user: "alice", address: "a9", at: start.addingTimeInterval(61)) == .limited(retryAfter: .seconds(59)))
        // Another user name is not held back by alice's bucket.
        #expect(throttle.attempt(user: "bob", address: "a9", at: start.addingTimeInterval(61)) == .allowed)
    }

    @Test("a client address gets its burst across user names")
    func perAddress() {
        var throttle = throttle()
        for index in 0..<5 {
            #expect(throttle.attempt(user: "user\(index)", address: "10.0.0.1", at: start) == .allowed)
        }
        #expect(throttle.attempt(user: "user9", address: "10.0.0.1", at: start) == .limited(retryAfter: .seconds(10)))
        #expect(throttle.attempt(user: "user9", address: "10.0.0.2", at: start) == .allowed)
        // Clients of unknown address share one bucket.
        for index in 0..<5 {
            #expect(throttle.attempt(user: "other\(index)", address: nil, at: start) == .allowed)
        }
        #expect(throttle.attempt(user: "other9", address: nil, at: start) != .allowed)
    }

    @Test("a limited attempt takes no token, so waiting is enough; both limits hit: the longer wait")
    func limitedTakesNothing() {
        var throttle = throttle()
        for _ in 0..<3 { _ = throttle.attempt(user: "alice", address: "x", at: start) }
        for _ in 0..<10 { _ = throttle.attempt(user: "alice", address: "x", at: start) }
        #expect(throttle.attempt(user: "alice", address: "y", at: start.addingTimeInterval(60)) == .allowed)
        var both = LoginThrottle(perUser: LoginRate(burst: 1, interval: .seconds(60)), perAddress: LoginRate(burst: 1, interval: .seconds(10)))
        #expect(both.attempt(user: "alice", address: "x", at: start) == .allowed)
        #expect(both.attempt(user: "alice", address: "x", at: start) == .limited(retryAfter: .seconds(60)))
    }

    @Test("a successful login fills the user's bucket and gives the address its token back")
    func success() {
        var throttle = throttle()
        for _ in 0..<3 { _ = throttle.attempt(user: "alice", address: "x", at: start) }
        throttle.succeeded(user: "alice", address: "x", at: start)
        for _ in 0..<3 {
            #expect(throttle.attempt(user: "alice", address: "x", at: start) == .allowed)
        }
        #expect(throttle.attempt(user: "alice", address: "x", at: start) != .allowed)
        // The address has had 6 attempts, one refunded: 5 used, its burst.
        #expect(throttle.attempt(user: "bob", address: "x", at: start) == .limited(retryAfter: .seconds(10)))
    }

    @Test("keys are bounded: full buckets are forgotten first, then the fullest")
    func capacity() {
        var throttle = throttle(capacity: 3)
        for index in 0..<3 {
            _ = throttle.attempt(user: "u\(index)", address: "a\(index)", at: start)
        }
        #expect(throttle.trackedUsers == 3)
        // An hour later every bucket is full again: all forgotten when a new key comes.
        _ = throttle.attempt(user: "new", address: "b", at: start.addingTimeInterval(3600))
        #expect(throttle.trackedUsers == 1 && throttle.trackedAddresses == 1)
        var busy = self.throttle(capacity: 2)
        for _ in 0..<3 { _ = busy.attempt(user: "guessed", address: "a", at: start) }
        _ = busy.attempt(user: "other", address: "b", at: start)
        _ = busy.attempt(user: "third", address: "c", at: start)
        #expect(busy.trackedUsers == 2)
        // The emptiest bucket (the guessed name's) was kept.
        #expect(busy.attempt(user: "guessed", address: "d", at: start) != .allowed)
    }
}
