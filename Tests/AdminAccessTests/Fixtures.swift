import AdminAccess
import BroadcasterConfig
import Foundation
import HummingbirdBcrypt
import Logging
import Synchronization

/// A wall clock the test moves by hand.
final class ManualClock: Sendable {
    private let time: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        time = Mutex(start)
    }

    var now: Date { time.withLock { $0 } }

    func advance(_ seconds: TimeInterval) {
        time.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    var reading: @Sendable () -> Date { { self.now } }
}

enum Fixtures {
    static let alicePassword = "correct horse battery staple"
    static let bobPassword = "bob's own password"
    /// Real bcrypt hashes at the lowest accepted cost, made once per test run.
    static let aliceHash = Bcrypt.hash(alicePassword, cost: 10)
    static let bobHash = Bcrypt.hash(bobPassword, cost: 10)

    /// alice is an operator, bob a viewer.
    static var settings: AdminSettings {
        var settings = AdminSettings()
        settings.users = [
            AdminUser(name: "alice", passwordHash: try! BcryptHash(parsing: aliceHash), role: .operator),
            AdminUser(name: "bob", passwordHash: try! BcryptHash(parsing: bobHash), role: .viewer),
        ]
        return settings
    }

    static var environment: [String: String] {
        [
            "BROADCASTER_ADMIN_USERS_NAMES": "alice,bob",
            "BROADCASTER_ADMIN_USERS_ALICE_PASSWORD_HASH": aliceHash,
            "BROADCASTER_ADMIN_USERS_ALICE_ROLE": "operator",
            "BROADCASTER_ADMIN_USERS_BOB_PASSWORD_HASH": bobHash,
            "BROADCASTER_ADMIN_USERS_BOB_ROLE": "viewer",
        ]
    }
}

/// Keeps every log line, to check what the access layer says and that no secret is in it.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    var logger: Logger {
        Logger(label: "capture") { _ in Handler(capture: self) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.append("\(event.level) \(event.message) \(event.metadata ?? [:]) \(metadata)")
        }
    }
}
