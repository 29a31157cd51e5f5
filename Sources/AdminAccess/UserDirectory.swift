import BroadcasterConfig
import Logging

/// The configured users by name, and what start-up should say about them.
public struct UserDirectory: Sendable {
    private let users: [String: AdminUser]

    public init(_ users: [AdminUser]) {
        self.users = Dictionary(users.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func user(named name: String) -> AdminUser? {
        users[name]
    }

    public var isEmpty: Bool { users.isEmpty }

    /// The highest cost configured: an unknown user name is checked against a hash of this
    /// cost, so that it takes as long as a known one.
    public var highestCost: Int {
        users.values.map(\.passwordHash.cost).max() ?? BcryptHash.minimumCost
    }

    /// Says at start-up who can log in (names and roles, never hashes), or that nobody can.
    public func logStartup(_ logger: Logger) {
        if users.isEmpty {
            logger.warning("admin: no users configured (admin.users.names is empty), so nobody can log in; add users with password hashes from broadcaster admin-hash-password")
            return
        }
        let list = users.values.sorted { $0.name < $1.name }.map { "\($0.name) (\($0.role.rawValue))" }.joined(separator: ", ")
        logger.info("admin: \(users.count) user(s) may log in: \(list)")
        if Set(users.values.map(\.passwordHash.cost)).count > 1 {
            logger.warning("admin: password hashes have different bcrypt costs; a login's duration tells which cost a user name has, so hash them all with the same --cost")
        }
    }
}
