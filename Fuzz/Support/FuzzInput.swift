/// What every fuzz target shares: reading its input in parts, and failing a property so that
/// libFuzzer records the input as a crash.
public struct FuzzInput {
    public let bytes: [UInt8]

    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    }

    /// The bytes before the first `separator` and those after it (all and nothing without one).
    public func split(at separator: UInt8) -> (head: ArraySlice<UInt8>, tail: ArraySlice<UInt8>) {
        guard let index = bytes.firstIndex(of: separator) else { return (bytes[...], []) }
        return (bytes[..<index], bytes[(index + 1)...])
    }
}

/// Stops the run when a property the code promises does not hold: libFuzzer treats the trap as
/// a crash and saves the input, and the message says which promise broke.
public func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() {
        fatalError("property violated: \(message())", file: file, line: line)
    }
}

/// A byte source for building structured values from fuzz input; returns zeros when exhausted,
/// so every input builds something.
public struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private var index: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    public var isAtEnd: Bool { index >= bytes.endIndex }

    public mutating func byte() -> UInt8 {
        guard index < bytes.endIndex else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    /// Up to `count` bytes (fewer at the end of the input).
    public mutating func bytes(_ count: Int) -> [UInt8] {
        let end = index + min(max(0, count), max(0, bytes.endIndex - index))
        defer { index = end }
        return Array(bytes[index..<end])
    }
}
