import EVMPrimitives

/// Strict decoder for the argument part of calldata (everything after the selector).
///
/// Safety against hostile input rests on three bounds: recursion follows the type, whose depth the
/// signature parser limits; an array length is accepted only if its elements' heads (at least 32
/// bytes each) fit in the remaining data; and every 32-byte word read is charged to a budget of
/// the data's own word count, which the standard encoding never exceeds (it reads each word once),
/// so offsets that make the decoder revisit data are refused before they can multiply the work.
struct CalldataDecoder {
    private let parameters: [Parameter]
    private let data: [UInt8]
    private var wordBudget: Int
    private var argument = 0
    private var path: [String] = []

    init(parameters: [Parameter], data: [UInt8]) {
        self.parameters = parameters
        self.data = data
        wordBudget = (data.count + Word.size - 1) / Word.size
    }

    mutating func decodeArguments() throws(CalldataError) -> [ABIValue] {
        var values: [ABIValue] = []
        values.reserveCapacity(parameters.count)
        var head = 0
        for (index, parameter) in parameters.enumerated() {
            argument = index
            path = []
            values.append(try decodeSlot(parameter.type, head: head, base: 0))
            head += parameter.type.headSize
        }
        return values
    }

    /// Decodes the value whose head slot starts at `head`, in a sequence whose offsets count from `base`.
    private mutating func decodeSlot(_ type: ABIType, head: Int, base: Int) throws(CalldataError) -> ABIValue {
        guard type.isDynamic else { return try decodeInPlace(type, at: head) }
        try chargeWord(at: head, type)
        guard let offset = Word.smallInteger(data, at: head), offset <= data.count - base - Word.size else {
            throw failure(.offsetOutOfBounds, type, "offset 0x\(Hex.encode(data[head..<(head + Word.size)], prefixed: false).trimmingLeadingZeros) (counted from byte \(base) of the arguments) points past the end of the \(data.count) bytes of arguments")
        }
        guard offset % Word.size == 0 else {
            throw failure(.misalignedOffset, type, "offset \(offset) is not a multiple of 32")
        }
        return try decodeInPlace(type, at: base + offset)
    }

    private mutating func decodeInPlace(_ type: ABIType, at start: Int) throws(CalldataError) -> ABIValue {
        switch type {
        case .uint(let bits):
            try chargeWord(at: start, type)
            guard highBytes(start, bits: bits).allSatisfy({ $0 == 0 }) else {
                throw failure(.invalidValue, type, "value does not fit in \(bits) bits")
            }
            return .uint(Word.unsigned(data, at: start), bits: bits)
        case .int(let bits):
            try chargeWord(at: start, type)
            let signFill: UInt8 = data[start + Word.size - bits / 8] & 0x80 == 0 ? 0x00 : 0xFF
            guard highBytes(start, bits: bits).allSatisfy({ $0 == signFill }) else {
                throw failure(.invalidValue, type, "value does not fit in \(bits) bits (the bytes above them must all repeat its sign bit)")
            }
            return .int(Word.signed(data, at: start), bits: bits)
        case .address:
            try chargeWord(at: start, type)
            guard highBytes(start, bits: 160).allSatisfy({ $0 == 0 }),
                  let address = try? Address(bytes: data[(start + 12)..<(start + Word.size)])
            else {
                throw failure(.invalidValue, type, "address word has non-zero bytes above its 20 address bytes")
            }
            return .address(address)
        case .bool:
            try chargeWord(at: start, type)
            guard highBytes(start, bits: 8).allSatisfy({ $0 == 0 }), data[start + Word.size - 1] <= 1 else {
                throw failure(.invalidValue, type, "bool must be 0 or 1, found 0x\(Hex.encode(data[start..<(start + Word.size)], prefixed: false).trimmingLeadingZeros)")
            }
            return .bool(data[start + Word.size - 1] == 1)
        case .fixedBytes(let count):
            try chargeWord(at: start, type)
            guard data[(start + count)..<(start + Word.size)].allSatisfy({ $0 == 0 }) else {
                throw failure(.dirtyPadding, type, "bytes\(count) has non-zero bytes after its \(count) bytes")
            }
            return .fixedBytes(Array(data[start..<(start + count)]))
        case .bytes:
            return .bytes(try byteString(type, at: start))
        case .string:
            let bytes = try byteString(type, at: start)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw failure(.invalidUTF8, type, "string of \(bytes.count) bytes is not valid UTF-8")
            }
            return .string(text)
        case .array(let element):
            try chargeWord(at: start, type)
            let count = try length(at: start, type, unit: element.headSize, what: "array length")
            return .array(try sequence(count: count, base: start + Word.size, type: { _ in element }, step: { "[\($0)]" }))
        case .fixedArray(let element, let count):
            return .array(try sequence(count: count, base: start, type: { _ in element }, step: { "[\($0)]" }))
        case .tuple(let components):
            return .tuple(try sequence(
                count: components.count, base: start,
                type: { components[$0].type }, step: { "." + (components[$0].name ?? String($0)) }
            ))
        }
    }

    /// Decodes `count` consecutive head slots from `base`, naming each in the path with `step`.
    private mutating func sequence(
        count: Int, base: Int, type: (Int) -> ABIType, step: (Int) -> String
    ) throws(CalldataError) -> [ABIValue] {
        var values: [ABIValue] = []
        // Each element takes at least a word of the data, so a count beyond that (a fixed array
        // of billions in the signature) fails below as truncated before it could be allocated.
        values.reserveCapacity(min(count, max(0, data.count - base) / Word.size))
        var head = base
        for index in 0..<count {
            let itemType = type(index)
            path.append(step(index))
            values.append(try decodeSlot(itemType, head: head, base: base))
            path.removeLast()
            head += itemType.headSize
        }
        return values
    }

    /// `bytes` or `string` content at `start`: a length word, the bytes, zero padding to 32.
    private mutating func byteString(_ type: ABIType, at start: Int) throws(CalldataError) -> [UInt8] {
        try chargeWord(at: start, type)
        let count = try length(at: start, type, unit: 1, what: "length")
        let contentStart = start + Word.size
        let paddedCount = (count + Word.size - 1) / Word.size * Word.size
        guard paddedCount <= data.count - contentStart else {
            throw failure(.truncated, type, "the \(count) content bytes must be padded to \(paddedCount), but only \(data.count - contentStart) bytes remain")
        }
        wordBudget -= paddedCount / Word.size
        guard wordBudget >= 0 else { throw overlapping() }
        guard data[(contentStart + count)..<(contentStart + paddedCount)].allSatisfy({ $0 == 0 }) else {
            throw failure(.dirtyPadding, type, "padding after the \(count) content bytes is not zero")
        }
        return Array(data[contentStart..<(contentStart + count)])
    }

    /// Reads the length word at `start` and checks that `length * unit` bytes fit after it.
    private func length(at start: Int, _ type: ABIType, unit: Int, what: String) throws(CalldataError) -> Int {
        let remaining = data.count - start - Word.size
        guard let count = Word.smallInteger(data, at: start), count <= remaining / unit else {
            let shown = Hex.encode(data[start..<(start + Word.size)], prefixed: false).trimmingLeadingZeros
            throw failure(.lengthOutOfBounds, type, "\(what) 0x\(shown) needs more than the \(remaining) bytes that remain")
        }
        return count
    }

    /// Checks that a whole word starts at `start` and charges it to the budget.
    private mutating func chargeWord(at start: Int, _ type: ABIType) throws(CalldataError) {
        guard start <= data.count - Word.size else {
            throw failure(.truncated, type, "data ends before this value: it needs bytes \(start)..<\(start + Word.size) of the arguments, which are \(data.count) bytes long")
        }
        wordBudget -= 1
        guard wordBudget >= 0 else { throw overlapping() }
    }

    /// The bytes of the word at `start` above its low `bits`.
    private func highBytes(_ start: Int, bits: Int) -> ArraySlice<UInt8> {
        data[start..<(start + Word.size - bits / 8)]
    }

    private func overlapping() -> CalldataError {
        CalldataError(code: .nonCanonical, location: nil, reason: "the arguments read more data than their \(data.count) bytes hold: offsets make values overlap, which the standard encoding never does")
    }

    private func failure(_ code: CalldataError.Code, _ type: ABIType, _ reason: String) -> CalldataError {
        let parameter = parameters[argument]
        let location = ArgumentLocation(position: argument + 1, name: parameter.name, type: parameter.type, path: path.joined(), valueType: type)
        return CalldataError(code: code, location: location, reason: reason)
    }
}

extension String {
    /// Hex digits without leading zeros, keeping at least one digit.
    fileprivate var trimmingLeadingZeros: String {
        let trimmed = drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }
}
