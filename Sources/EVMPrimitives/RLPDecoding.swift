extension RLPItem {
    /// Decodes exactly one canonical RLP item; the whole input must be that item.
    public static func decode(_ data: some Collection<UInt8>) throws(RLPError) -> RLPItem {
        let result = data.withContiguousStorageIfAvailable { decode(buffer: $0) }
            ?? Array(data).withUnsafeBufferPointer { decode(buffer: $0) }
        return try result.get()
    }

    private static func decode(buffer: UnsafeBufferPointer<UInt8>) -> Result<RLPItem, RLPError> {
        Result { () throws(RLPError) -> RLPItem in
            var reader = RLPReader(input: buffer)
            let item = try reader.readItem(end: buffer.count, depth: 0)
            guard reader.offset == buffer.count else {
                throw RLPError(.trailingBytes, "\(buffer.count - reader.offset) bytes follow the RLP item at offset \(reader.offset); the input must be exactly one item", offset: reader.offset)
            }
            return item
        }
    }
}

/// Reads items from an input, enforcing every canonical-encoding rule.
private struct RLPReader {
    let input: UnsafeBufferPointer<UInt8>
    var offset = 0

    /// Nested lists deeper than this are refused rather than risking the stack.
    static let maxDepth = 1024

    init(input: UnsafeBufferPointer<UInt8>) {
        self.input = input
    }

    /// Reads one item that must end at or before `end` (the end of the enclosing list or input).
    mutating func readItem(end: Int, depth: Int) throws(RLPError) -> RLPItem {
        let start = offset
        guard offset < end else {
            throw RLPError(.unexpectedEnd, "RLP input ends where an item was expected at offset \(start)", offset: start)
        }
        let prefix = input[offset]
        offset += 1
        switch prefix {
        case 0x00...0x7f:
            return .bytes([prefix])
        case 0x80...0xbf:
            let length = try readLength(prefix: prefix, shortBase: 0x80, end: end, start: start)
            if length == 1 && input[offset] < 0x80 {
                throw RLPError(.nonCanonicalSingleByte, "RLP string at offset \(start) wraps the single byte 0x\(String(input[offset], radix: 16)), which must be encoded as itself", offset: start)
            }
            let bytes = Array(input[offset..<offset + length])
            offset += length
            return .bytes(bytes)
        default:
            guard depth < Self.maxDepth else {
                throw RLPError(.nestingTooDeep, "RLP lists nest deeper than \(Self.maxDepth) levels at offset \(start)", offset: start)
            }
            let length = try readLength(prefix: prefix, shortBase: 0xc0, end: end, start: start)
            let listEnd = offset + length
            var items: [RLPItem] = []
            while offset < listEnd {
                items.append(try readItem(end: listEnd, depth: depth + 1))
            }
            return .list(items)
        }
    }

    /// Reads the payload length after `prefix` and checks it is canonical and fits before `end`.
    private mutating func readLength(prefix: UInt8, shortBase: UInt8, end: Int, start: Int) throws(RLPError) -> Int {
        let length: Int
        if prefix <= shortBase + 55 {
            length = Int(prefix - shortBase)
        } else {
            let lengthOfLength = Int(prefix - shortBase - 55)
            guard offset + lengthOfLength <= end else {
                throw RLPError(.lengthOverrunsInput, "RLP length at offset \(start) needs \(lengthOfLength) length bytes but only \(end - offset) remain", offset: start)
            }
            guard input[offset] != 0 else {
                throw RLPError(.lengthWithLeadingZero, "RLP length at offset \(start) has a leading zero byte", offset: start)
            }
            guard lengthOfLength <= 4 else {
                // No valid input this process can hold has a payload of 2^32 bytes or more.
                throw RLPError(.lengthOverrunsInput, "RLP length at offset \(start) uses \(lengthOfLength) bytes, far beyond the input", offset: start)
            }
            length = input[offset..<offset + lengthOfLength].reduce(0) { $0 << 8 | Int($1) }
            offset += lengthOfLength
            guard length > 55 else {
                throw RLPError(.nonCanonicalLength, "RLP item at offset \(start) uses the long length form for \(length) bytes; lengths up to 55 must use the short form", offset: start)
            }
        }
        guard length <= end - offset else {
            throw RLPError(.lengthOverrunsInput, "RLP item at offset \(start) declares \(length) payload bytes but only \(end - offset) remain", offset: start)
        }
        return length
    }
}
