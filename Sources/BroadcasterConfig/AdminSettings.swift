import Configuration
import Foundation

/// What an admin user may do on the dashboard.
public enum AdminRole: String, CaseIterable, Comparable, Hashable, Sendable {
    /// Reads every page, changes nothing.
    case viewer
    /// A viewer who may also retry failed requests.
    case `operator`

    /// Whether this role includes everything `other` may do.
    public func includes(_ other: AdminRole) -> Bool { self >= other }

    public static func < (lhs: AdminRole, rhs: AdminRole) -> Bool {
        rank(lhs) < rank(rhs)
    }

    private static func rank(_ role: AdminRole) -> Int {
        switch role {
        case .viewer: 0
        case .operator: 1
        }
    }
}

/// A bcrypt hash as configured (`$2b$12$` + 53 characters of bcrypt's base64), checked for
/// shape and cost only: whether a password matches is the login's business.
public struct BcryptHash: Hashable, Sendable {
    /// The hash in the `$2b$` spelling the verifier understands (a `$2y$` hash, as htpasswd
    /// writes it, is the same algorithm and is stored as `$2b$`).
    public let text: String
    /// log2 of the rounds: 12 means 4096.
    public let cost: Int

    /// Below this a stolen hash falls to a GPU too fast.
    public static let minimumCost = 10
    /// Above this a single login takes seconds of a core, which is a lever for whoever can
    /// reach the login page.
    public static let maximumCost = 16

    /// Why `text` is not a usable hash; the text itself is never repeated, as it may be a
    /// password pasted in the wrong place.
    public enum Problem: Error, Equatable, Sendable {
        case notBcrypt
        case oldVariant
        case costOutOfRange(Int)
    }

    public init(parsing text: String) throws(Problem) {
        let bytes = Array(text.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
              bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$") else {
            throw .notBcrypt
        }
        let digits = bytes[4...5]
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              bytes[7...].allSatisfy(Self.isBcryptBase64) else {
            throw .notBcrypt
        }
        switch bytes[2] {
        case UInt8(ascii: "b"), UInt8(ascii: "y"): break
        case UInt8(ascii: "a"): throw .oldVariant
        default: throw .notBcrypt
        }
        let cost = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        guard (Self.minimumCost...Self.maximumCost).contains(cost) else { throw .costOutOfRange(cost) }
        self.cost = cost
        self.text = "$2b" + String(decoding: bytes[3...], as: UTF8.self)
    }

    private static func isBcryptBase64(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/")
    }
}

/// One dashboard user: a name, a bcrypt hash of the password (never the password), a role.
public struct AdminUser: Hashable, Sendable {
    public var name: String
    public var passwordHash: BcryptHash
    public var role: AdminRole

    public init(name: String, passwordHash: BcryptHash, role: AdminRole) {
        self.name = name
        self.passwordHash = passwordHash
        self.role = role
    }
}

/// The admin dashboard's access settings: who may log in, how long a session lasts, how fast
/// logins may be tried, and the origin browsers reach it at.
public struct AdminSettings: Hashable, Sendable {
    /// No users: nobody can log in (deny by default).
    public var users: [AdminUser] = []
    /// Scheme, host and port as the browser sees them, e.g. `https://admin.example.com`; an
    /// unsafe request's `Origin` must equal it.
    public var publicOrigin: String = "http://127.0.0.1:8081"
    /// The browser reaches the dashboard over https (directly or through a proxy): cookies get
    /// `Secure` and the `__Host-` prefix.
    public var servedOverTLS: Bool = false
    /// A session ends this long after login, however busy.
    public var sessionLifetime: Duration = .seconds(8 * 3600)
    /// A session ends after this long without a request.
    public var sessionIdleTimeout: Duration = .seconds(30 * 60)
    /// Login attempts one user name may make at once, then one more per `loginIntervalPerUser`.
    public var loginBurstPerUser: Int = 5
    public var loginIntervalPerUser: Duration = .seconds(60)
    /// Login attempts one client address may make at once, then one more per `loginIntervalPerAddress`.
    public var loginBurstPerAddress: Int = 20
    public var loginIntervalPerAddress: Duration = .seconds(6)
    /// Where `broadcaster admin` listens.
    public var host: String = "127.0.0.1"
    public var port: Int = 8081
    /// A block explorer's transaction page with `{hash}` in it; nil shows no links.
    public var explorerTransactionURL: String?

    public init() {}

    /// Reads the `admin` node.
    ///
    /// ## Configuration keys
    /// - `users.names` (list of names, default empty = nobody can log in): lowercase letters,
    ///   digits and `_`, each listed once.
    /// - `users.<name>.passwordHash` (bcrypt `$2b$`/`$2y$`, cost 10-16, required): from
    ///   `broadcaster admin-hash-password`; a `password` key is refused.
    /// - `users.<name>.role` (`viewer` or `operator`, required).
    /// - `publicOrigin` (`http(s)://host[:port]`, default `http://127.0.0.1:8081`).
    /// - `servedOverTLS` (boolean, default: whether `publicOrigin` is https).
    /// - `sessionLifetime` (seconds 60-604800, default 28800), `sessionIdleTimeout` (seconds 60
    ///   up to `sessionLifetime`, default 1800).
    /// - `loginBurstPerUser` (1-100, default 5), `loginIntervalPerUser` (seconds 1-3600, default 60),
    ///   `loginBurstPerAddress` (1-1000, default 20), `loginIntervalPerAddress` (seconds 1-3600, default 6).
    /// - `host` (default `127.0.0.1`), `port` (1-65535, default 8081): where `broadcaster admin` listens.
    /// - `explorerTransactionURL` (default none): e.g. `https://etherscan.io/tx/{hash}`; the
    ///   dashboard links every transaction hash there.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        host = try settings.string("host", default: host)
        guard !host.isEmpty else {
            throw ConfigurationError(key: ["host"], reason: "the listen address is empty; give one such as 127.0.0.1")
        }
        port = try settings.int("port", default: port, in: 1...65535)
        if let explorer = try settings.string("explorerTransactionURL"), !explorer.isEmpty {
            guard explorer.contains("{hash}"), explorer.hasPrefix("https://") || explorer.hasPrefix("http://") else {
                throw ConfigurationError(key: ["explorerTransactionURL"], reason: "must be an http(s) URL with {hash} where the transaction hash goes, e.g. https://etherscan.io/tx/{hash}")
            }
            explorerTransactionURL = explorer
        }
        users = try scoped("users") { () throws(ConfigurationError) in
            try Self.readUsers(reader.scoped(to: "users"))
        }
        publicOrigin = try Self.origin(settings)
        let https = publicOrigin.hasPrefix("https://")
        servedOverTLS = try settings.bool("servedOverTLS") ?? https
        if https && !servedOverTLS {
            throw ConfigurationError(key: ["servedOverTLS"], reason: "is false while publicOrigin is https: the session cookie would lack Secure; remove servedOverTLS or set it to true")
        }
        sessionLifetime = try settings.seconds("sessionLifetime", default: sessionLifetime, in: 60...604_800)
        sessionIdleTimeout = try settings.seconds("sessionIdleTimeout", default: min(sessionIdleTimeout, sessionLifetime), in: 60...604_800)
        guard sessionIdleTimeout <= sessionLifetime else {
            throw ConfigurationError(key: ["sessionIdleTimeout"], reason: "\(sessionIdleTimeout.inSeconds) s is longer than sessionLifetime (\(sessionLifetime.inSeconds) s); make it shorter")
        }
        loginBurstPerUser = try settings.int("loginBurstPerUser", default: loginBurstPerUser, in: 1...100)
        loginIntervalPerUser = try settings.seconds("loginIntervalPerUser", default: loginIntervalPerUser, in: 1...3600)
        loginBurstPerAddress = try settings.int("loginBurstPerAddress", default: loginBurstPerAddress, in: 1...1000)
        loginIntervalPerAddress = try settings.seconds("loginIntervalPerAddress", default: loginIntervalPerAddress, in: 1...3600)
    }

    /// The user called `name`, if configured.
    public func user(named name: String) -> AdminUser? {
        users.first { $0.name == name }
    }

    private static func readUsers(_ reader: ConfigReader) throws(ConfigurationError) -> [AdminUser] {
        let names = try ConfigName.list(SettingsReader(reader), key: "names")
        return try names.map { name throws(ConfigurationError) -> AdminUser in
            try scoped(name) { () throws(ConfigurationError) -> AdminUser in
                try user(name: name, SettingsReader(reader.scoped(to: ConfigKey([name]))))
            }
        }
    }

    private static func user(name: String, _ settings: SettingsReader) throws(ConfigurationError) -> AdminUser {
        if settings.isSet("password") {
            throw ConfigurationError(key: ["password"], reason: "a password is never configured; remove it and set passwordHash to the output of: broadcaster admin-hash-password (which reads the password on stdin)")
        }
        guard let hashText = try settings.string("passwordHash"), !hashText.isEmpty else {
            throw ConfigurationError(key: ["passwordHash"], reason: "missing; set it to the output of: broadcaster admin-hash-password")
        }
        let hash: BcryptHash
        do {
            hash = try BcryptHash(parsing: hashText.trimmingCharacters(in: .whitespaces))
        } catch {
            // Never the value: it may be a password in the wrong key.
            switch error {
            case .notBcrypt:
                throw ConfigurationError(key: ["passwordHash"], reason: "is not a bcrypt hash ($2b$, two digits of cost, $, 53 characters); if it is a password, remove it from the file and rotate it, then set the output of: broadcaster admin-hash-password")
            case .oldVariant:
                throw ConfigurationError(key: ["passwordHash"], reason: "is a $2a$ bcrypt hash, a variant that mishandles long passwords; hash the password again with: broadcaster admin-hash-password")
            case .costOutOfRange(let cost):
                throw ConfigurationError(key: ["passwordHash"], reason: "has bcrypt cost \(cost); use a cost from \(BcryptHash.minimumCost) to \(BcryptHash.maximumCost) (broadcaster admin-hash-password --cost N)")
            }
        }
        guard let roleText = try settings.string("role") else {
            throw ConfigurationError(key: ["role"], reason: "missing; give viewer (read only) or operator (may retry)")
        }
        guard let role = AdminRole(rawValue: roleText) else {
            throw ConfigurationError(key: ["role"], reason: "\"\(roleText)\" is not a role; give viewer (read only) or operator (may retry)")
        }
        return AdminUser(name: name, passwordHash: hash, role: role)
    }

    /// `scheme://host[:port]` lowercased, as browsers serialize an `Origin` header.
    private static func origin(_ settings: SettingsReader) throws(ConfigurationError) -> String {
        let text = try settings.string("publicOrigin", default: "http://127.0.0.1:8081")
        let refusal = ConfigurationError(key: ["publicOrigin"], reason: "\"\(text)\" is not an origin; give scheme, host and port only, as the browser's address bar shows them, e.g. https://admin.example.com or http://127.0.0.1:8081")
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
              components.user == nil, components.password == nil, components.query == nil, components.fragment == nil,
              components.path.isEmpty else {
            throw refusal
        }
        var origin = "\(scheme)://\(host.lowercased())"
        if let port = components.port {
            guard (1...65535).contains(port) else { throw refusal }
            let isDefault = (scheme == "http" && port == 80) || (scheme == "https" && port == 443)
            if !isDefault { origin += ":\(port)" }
        }
        return origin
    }
}

extension SettingsReader {
    fileprivate func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard isSet(key) else { return nil }
        do {
            return try reader.requiredBool(forKey: ConfigKey(key))
        } catch {
            throw ConfigurationError(key: [key], reason: "the value is not a boolean; give true or false")
        }
    }

    /// Whole seconds in `range`, checked before conversion.
    fileprivate func seconds(_ key: String, default value: Duration, in range: ClosedRange<Int>) throws(ConfigurationError) -> Duration {
        guard isSet(key) else { return value }
        let seconds = try double(key, default: value.inSeconds)
        guard seconds.isFinite, seconds >= Double(range.lowerBound), seconds <= Double(range.upperBound) else {
            throw ConfigurationError(key: [key], reason: "\(seconds) is not a duration from \(range.lowerBound) to \(range.upperBound) seconds")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
