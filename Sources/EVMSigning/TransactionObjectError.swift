/// Why a JSON transaction object was rejected; names the offending field when there is one.
public struct TransactionObjectError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The field path, such as `to` or `accessList[0].storageKeys[1]`; nil for the whole document.
    public let field: String?
    public let reason: String

    public init(field: String?, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String {
        guard let field else { return reason }
        return "field \"\(field)\": \(reason)"
    }
}
