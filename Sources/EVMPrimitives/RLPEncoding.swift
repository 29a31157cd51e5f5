extension RLPItem {
    /// The RLP encoding of this item.
    public func encoded() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(encodedLength)
        encode(into: &buffer)
        return buffer
    }

    /// Appends the RLP encoding of this item to `buffer`, for hot paths that reuse one buffer.
    public func encode(into buffer: inout [UInt8]) {
        switch self {
        case .bytes(let bytes):
            if bytes.count == 1 && bytes[0] < 0x80 {
                // A single byte below 0x80 is its own encoding.
                buffer.append(bytes[0])
            } else {
                // Other strings: 0x80 + length up to 55 bytes, else 0xb7 + length of the length.
                Self.appendHeader(payloadLength: bytes.count, shortBase: 0x80, into: &buffer)
                buffer.append(contentsOf: bytes)
            }
        case .list(let items):
            // Lists: 0xc0 + payload length up to 55 bytes, else 0xf7 + length of the length.
            Self.appendHeader(payloadLength: items.reduce(0) { $0 + $1.encodedLength }, shortBase: 0xc0, into: &buffer)
            for item in items {
                item.encode(into: &buffer)
            }
        }
    }

    /// The number of bytes `encoded()` produces.
    public var encodedLength: Int {
        switch self {
        case .bytes(let bytes):
            if bytes.count == 1 && bytes[0] < 0x80 { return 1 }
            return Self.headerLength(payloadLength: bytes.count) + bytes.count
        case .list(let items):
            let payload = items.reduce(0) { $0 + $1.encodedLength }
            return Self.headerLength(payloadLength: payload) + payload
        }
    }

    private static func headerLength(payloadLength: Int) -> Int {
        payloadLength <= 55 ? 1 : 1 + bigEndianByteCount(payloadLength)
    }

    /// Writes a string header (shortBase 0x80) or list header (shortBase 0xc0).
    private static func appendHeader(payloadLength: Int, shortBase: UInt8, into buffer: inout [UInt8]) {
        if payloadLength <= 55 {
            // Short form: the base plus the length, in one byte (0x80...0xb7 or 0xc0...0xf7).
            buffer.append(shortBase + UInt8(payloadLength))
        } else {
            // Long form: base + 55 + the byte count of the length (0xb8...0xbf or 0xf8...0xff),
            // then the length itself, big-endian without leading zeros.
            let lengthBytes = bigEndianByteCount(payloadLength)
            buffer.append(shortBase + 55 + UInt8(lengthBytes))
            for shift in stride(from: (lengthBytes - 1) * 8, through: 0, by: -8) {
                buffer.append(UInt8(truncatingIfNeeded: payloadLength >> shift))
            }
        }
    }

    private static func bigEndianByteCount(_ value: Int) -> Int {
        (Int.bitWidth - value.leadingZeroBitCount + 7) / 8
    }
}
