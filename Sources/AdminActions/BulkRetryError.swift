/// Why a bulk retry could not be planned, started or cancelled, in words the operator acts on.
public struct BulkRetryError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case invalidReason
        case invalidCap
        case invalidUser
        case unknownOperation
        /// Not in a state that allows the step (starting a cancelled one, cancelling a finished one).
        case wrongState
        case storeUnavailable
    }

    public var code: Code
    public var description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
