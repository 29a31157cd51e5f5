/// Why a worker refused to start, in words an operator can act on.
public struct WorkerStartupError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
