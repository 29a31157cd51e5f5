import BroadcasterConfig
import HummingbirdBcrypt

/// Makes the `passwordHash` of an `admin.users.<name>` entry.
public enum PasswordHashing {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case empty
        case tooLong(bytes: Int)
        case containsNUL
        case costOutOfRange(Int)

        public var description: String {
            switch self {
            case .empty: "the password is empty"
            case .tooLong(let bytes): "the password is \(bytes) bytes; bcrypt reads only \(AdminLogin.maxPasswordBytes), so choose one of at most \(AdminLogin.maxPasswordBytes) bytes"
            case .containsNUL: "the password contains a NUL byte, which bcrypt would cut it at"
            case .costOutOfRange(let cost): "cost \(cost) is out of range; give \(BcryptHash.minimumCost) to \(BcryptHash.maximumCost)"
            }
        }
    }

    public static let defaultCost = 12

    /// A `$2b$` hash of `password` with a fresh salt; takes about a quarter second at cost 12.
    public static func hash(_ password: String, cost: Int = defaultCost) throws(Problem) -> BcryptHash {
        guard (BcryptHash.minimumCost...BcryptHash.maximumCost).contains(cost), let rounds = UInt8(exactly: cost) else {
            throw .costOutOfRange(cost)
        }
        guard !password.isEmpty else { throw .empty }
        guard !password.utf8.contains(0) else { throw .containsNUL }
        guard password.utf8.count <= AdminLogin.maxPasswordBytes else { throw .tooLong(bytes: password.utf8.count) }
        let text = Bcrypt.hash(password, cost: rounds)
        do {
            return try BcryptHash(parsing: text)
        } catch {
            // Bcrypt.hash writes $2b$ with the cost asked for, which the parser accepts.
            preconditionFailure("Bcrypt.hash produced a hash of another shape: \(error)")
        }
    }

    /// The password as read from a pipe or a terminal: one trailing line break removed.
    public static func password(fromInput text: String) -> String {
        // "\r\n" is one Character in Swift, so the scalars are looked at.
        var scalars = text.unicodeScalars[...]
        if scalars.last == "\n" { scalars = scalars.dropLast() }
        if scalars.last == "\r", text.unicodeScalars.last == "\n" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
