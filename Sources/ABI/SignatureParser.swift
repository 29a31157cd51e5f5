/// Recursive-descent parser for Solidity function signatures; see `FunctionSignature`.
///
/// Works on UTF-8 bytes: everything legal is ASCII, so any other byte is simply unexpected.
struct SignatureParser {
    /// Nesting of tuples and arrays allowed in one type. Bounds the recursion of the parser and
    /// of the calldata decoder, which follows the type.
    static let maxDepth = 32
    /// Largest in-place (head) encoding a static type may have; far above any transaction's size
    /// limit, and keeps every size computation far from overflow.
    static let maxStaticSize = 1 << 20

    private let bytes: [UInt8]
    private var position = 0

    init(_ text: some StringProtocol) {
        bytes = Array(text.utf8)
    }

    mutating func parseSignature() throws(SignatureError) -> (name: String, parameters: [Parameter]) {
        skipSpaces()
        let nameStart = position
        guard let name = identifier() else {
            throw failure(.invalidName, at: nameStart, "expected a function name (letters, digits, _ or $, not starting with a digit)")
        }
        skipSpaces()
        try expect(UInt8(ascii: "("), "expected \"(\" after the function name \"\(name)\"")
        let parameters = try parameterList(depth: 0, isTuple: false)
        skipSpaces()
        if position < bytes.count {
            throw failure(.syntax, at: position, "unexpected text after the parameter list: \"\(excerpt(from: position))\"")
        }
        return (name, parameters)
    }

    /// Parses parameters up to and including the closing parenthesis; the opening one is consumed.
    private mutating func parameterList(depth: Int, isTuple: Bool) throws(SignatureError) -> [Parameter] {
        let listStart = position - 1
        var parameters: [Parameter] = []
        var seenNames: Set<String> = []
        skipSpaces()
        if peek == UInt8(ascii: ")") {
            position += 1
            if isTuple {
                throw failure(.syntax, at: listStart, "a tuple needs at least one component")
            }
            return parameters
        }
        while true {
            let parameterStart = position
            let parameter = try parameter(depth: depth)
            if let name = parameter.name, !seenNames.insert(name).inserted {
                throw failure(.duplicateName, at: parameterStart, "the name \"\(name)\" is used twice in one parameter list")
            }
            parameters.append(parameter)
            skipSpaces()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: ")"): position += 1; return parameters
            case nil: throw failure(.syntax, at: position, "missing \")\": the parameter list is not closed")
            default: throw failure(.syntax, at: position, "expected \",\" or \")\" but found \"\(excerpt(from: position))\"")
            }
        }
    }

    /// A type, then an optional data location, then an optional name.
    private mutating func parameter(depth: Int) throws(SignatureError) -> Parameter {
        let type = try type(depth: depth)
        skipSpaces()
        var nameStart = position
        guard var word = identifier() else { return Parameter(name: nil, type: type) }
        if Self.dataLocations.contains(word) {
            skipSpaces()
            nameStart = position
            guard let name = identifier() else { return Parameter(name: nil, type: type) }
            word = name
        }
        if Self.dataLocations.contains(word) || Self.reservedWords.contains(word) || ElementaryTypeName.looksLikeType(word) {
            throw failure(.invalidName, at: nameStart, "\"\(word)\" is a keyword, not a parameter name (is a comma missing?)")
        }
        return Parameter(name: word, type: type)
    }

    private mutating func type(depth: Int) throws(SignatureError) -> ABIType {
        skipSpaces()
        let start = position
        guard depth < Self.maxDepth else {
            throw failure(.tooComplex, at: start, "types nest more than \(Self.maxDepth) levels deep")
        }
        var type: ABIType
        if peek == UInt8(ascii: "(") {
            position += 1
            type = .tuple(try parameterList(depth: depth + 1, isTuple: true))
        } else if let word = identifier() {
            if word == "tuple" {
                skipSpaces()
                try expect(UInt8(ascii: "("), "expected \"(\" after \"tuple\"")
                type = .tuple(try parameterList(depth: depth + 1, isTuple: true))
            } else {
                type = try ElementaryTypeName.parse(word, at: start)
                if type == .address { skipWord("payable") }
            }
        } else if peek == nil || peek == UInt8(ascii: ")") || peek == UInt8(ascii: ",") {
            throw failure(.syntax, at: start, "expected a type, found an empty parameter")
        } else {
            throw failure(.syntax, at: start, "expected a type but found \"\(excerpt(from: start))\"")
        }
        var arrayLevels = 0
        while true {
            let beforeSuffix = position
            skipSpaces()
            guard peek == UInt8(ascii: "[") else { position = beforeSuffix; break }
            position += 1
            arrayLevels += 1
            // Checked as we go so that a long run of brackets is refused before it is built.
            guard depth + arrayLevels <= Self.maxDepth else {
                throw failure(.tooComplex, at: beforeSuffix, "types nest more than \(Self.maxDepth) levels deep")
            }
            skipSpaces()
            let countStart = position
            let count = digits()
            skipSpaces()
            try expect(UInt8(ascii: "]"), "expected \"]\" to close the array brackets")
            guard let count else { type = .array(of: type); continue }
            guard let size = Int(count), size >= 1, count.first != "0" else {
                throw failure(.invalidSize, at: countStart, "array length \"\(count)\" must be a whole number of at least 1, without leading zeros")
            }
            type = .fixedArray(of: type, count: size)
            if !type.isDynamic, Self.staticSize(of: type) > Self.maxStaticSize {
                throw failure(.tooComplex, at: start, "type \(type.displayName) takes more than \(Self.maxStaticSize) bytes")
            }
        }
        // Tuple levels and array levels together; the decoder recurses once per level.
        guard depth + type.nestingDepth <= Self.maxDepth else {
            throw failure(.tooComplex, at: start, "types nest more than \(Self.maxDepth) levels deep")
        }
        if case .tuple = type, !type.isDynamic, Self.staticSize(of: type) > Self.maxStaticSize {
            throw failure(.tooComplex, at: start, "tuple takes more than \(Self.maxStaticSize) bytes")
        }
        return type
    }

    /// Static encoding size, saturating at `Int.max` so absurd array lengths cannot overflow.
    private static func staticSize(of type: ABIType) -> Int {
        switch type {
        case .fixedArray(let element, let count):
            let (product, overflow) = staticSize(of: element).multipliedReportingOverflow(by: count)
            return overflow ? Int.max : product
        case .tuple(let components):
            return components.reduce(0) { total, component in
                let (sum, overflow) = total.addingReportingOverflow(staticSize(of: component.type))
                return overflow ? Int.max : sum
            }
        default:
            return 32
        }
    }

    private static let dataLocations: Set<String> = ["memory", "calldata", "storage"]
    private static let reservedWords: Set<String> = ["payable", "indexed", "tuple", "returns", "function"]

    // MARK: Lexing

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipSpaces() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    /// `[A-Za-z_$][A-Za-z0-9_$]*`, or nil (consuming nothing) if none starts here.
    private mutating func identifier() -> String? {
        guard let first = peek, Self.isIdentifierStart(first) else { return nil }
        let start = position
        while let byte = peek, Self.isIdentifierStart(byte) || Self.isDigit(byte) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func digits() -> String? {
        let start = position
        while let byte = peek, Self.isDigit(byte) { position += 1 }
        return start == position ? nil : String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// Consumes `word` (after spaces) if it is the next whole identifier.
    private mutating func skipWord(_ word: String) {
        let saved = position
        skipSpaces()
        if identifier() != word { position = saved }
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws(SignatureError) {
        guard peek == byte else { throw failure(.syntax, at: position, message) }
        position += 1
    }

    private static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F || byte == 0x24
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// A short quote of the input from `offset`, so messages stay readable for long inputs.
    private func excerpt(from offset: Int) -> String {
        let end = min(bytes.count, offset + 16)
        let text = String(decoding: bytes[offset..<end], as: UTF8.self)
        return end < bytes.count ? text + "…" : text
    }

    private func failure(_ code: SignatureError.Code, at offset: Int, _ reason: String) -> SignatureError {
        SignatureError(code: code, position: offset + 1, reason: reason)
    }
}
