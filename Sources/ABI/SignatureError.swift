/// Why a `message_type` is not an acceptable Solidity function signature.
public struct SignatureError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Which rule was broken; compare against the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        public static let syntax = Code(name: "syntax")
        public static let invalidName = Code(name: "invalid-name")
        public static let unknownType = Code(name: "unknown-type")
        public static let unsupportedType = Code(name: "unsupported-type")
        public static let invalidSize = Code(name: "invalid-size")
        public static let duplicateName = Code(name: "duplicate-name")
        public static let tooComplex = Code(name: "too-complex")
    }

    public let code: Code
    /// 1-based character position in the signature where the problem starts.
    public let position: Int
    public let reason: String

    public var description: String {
        "invalid function signature at character \(position): \(reason)"
    }
}
