import EVMPrimitives

/// Standard (canonical) ABI encoding: heads in order, then tails in order, no gaps.
///
/// Used to re-encode what the decoder produced, so values always match their types; a mismatched
/// value would encode as zero words (and so fail the canonical comparison) rather than trap.
enum ABIEncoder {
    static func encode(_ values: [ABIValue], as types: [ABIType]) -> [UInt8] {
        let headSize = types.reduce(0) { $0 + $1.headSize }
        var head: [UInt8] = []
        var tail: [UInt8] = []
        head.reserveCapacity(headSize)
        for (value, type) in zip(values, types) {
            if type.isDynamic {
                head += Word.encode(headSize + tail.count)
                tail += encode(value, as: type)
            } else {
                head += encode(value, as: type)
            }
        }
        return head + tail
    }

    static func encode(_ value: ABIValue, as type: ABIType) -> [UInt8] {
        switch (value, type) {
        case (.address(let address), .address):
            return [UInt8](repeating: 0, count: 12) + address.bytes
        case (.bool(let flag), .bool):
            return Word.encode(flag ? 1 : 0)
        case (.uint(let number, _), .uint):
            return Word.encode(number)
        case (.int(let number, _), .int):
            return Word.encode(number)
        case (.fixedBytes(let bytes), .fixedBytes):
            return padded(bytes)
        case (.bytes(let bytes), .bytes):
            return Word.encode(bytes.count) + padded(bytes)
        case (.string(let text), .string):
            let bytes = Array(text.utf8)
            return Word.encode(bytes.count) + padded(bytes)
        case (.array(let elements), .array(let elementType)):
            return Word.encode(elements.count) + encode(elements, as: Array(repeating: elementType, count: elements.count))
        case (.array(let elements), .fixedArray(let elementType, _)):
            return encode(elements, as: Array(repeating: elementType, count: elements.count))
        case (.tuple(let members), .tuple(let components)):
            return encode(members, as: components.map(\.type))
        default:
            return [UInt8](repeating: 0, count: type.headSize)
        }
    }

    /// Right-pads with zeros to a multiple of 32 bytes.
    private static func padded(_ bytes: [UInt8]) -> [UInt8] {
        let remainder = bytes.count % Word.size
        return remainder == 0 ? bytes : bytes + [UInt8](repeating: 0, count: Word.size - remainder)
    }
}
