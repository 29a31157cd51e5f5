@testable import ABI
import EVMPrimitives
import FuzzSupport

/// The function-signature parser and the calldata validator under both selector rules.
///
/// Input: the signature text, a newline, a mode byte, then the calldata. Mode bit 0 pins the
/// selector to the next 4 bytes (otherwise the declared signature's rule applies); bit 1 puts
/// the required selector in front of the data, so most inputs reach the argument decoder.
///
/// Properties: a parsed signature's canonical form parses back to the same canonical form,
/// types and selector; accepted calldata starts with the rule's selector and is exactly the
/// standard encoding of what it decoded to; the selector is the only thing the rule decides.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSignatureCalldata(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (head, tail) = FuzzInput(data, size).split(at: 0x0A)
    guard let signature = parsedSignature(String(decoding: head, as: UTF8.self)) else { return 0 }

    var reader = ByteReader(tail)
    let mode = reader.byte()
    let rule: SelectorRule
    if mode & 1 == 1, let pinned = Selector(reader.bytes(4)) {
        rule = .pinned(pinned)
    } else {
        rule = .declared
    }
    var calldata = reader.bytes(Int.max)
    if mode & 2 == 2 { calldata = rule.required(for: signature).bytes + calldata }
    checkValidation(of: calldata, against: signature, rule: rule)
    return 0
}

private func parsedSignature(_ text: String) -> FunctionSignature? {
    let signature: FunctionSignature
    do {
        signature = try FunctionSignature(parsing: text)
    } catch {
        require(!error.description.isEmpty, "a signature error without a reason")
        return nil
    }
    require(!signature.canonical.contains(where: \.isWhitespace), "canonical form \(signature.canonical) has whitespace")
    require(
        signature.selector == Array(Keccak256.hash(Array(signature.canonical.utf8)).prefix(4)),
        "selector of \(signature.canonical) is not keccak of its canonical form"
    )
    let reparsed: FunctionSignature
    do {
        reparsed = try FunctionSignature(parsing: signature.canonical)
    } catch {
        fatalError("property violated: canonical form \(signature.canonical) of \(text) does not parse: \(error)")
    }
    require(reparsed.canonical == signature.canonical, "\(signature.canonical) reparses as \(reparsed.canonical)")
    require(reparsed.selector == signature.selector, "\(signature.canonical) reparses with another selector")
    require(
        reparsed.parameters.map(\.type.canonical) == signature.parameters.map(\.type.canonical),
        "\(signature.canonical) reparses with other parameter types"
    )
    return signature
}

private func checkValidation(of calldata: [UInt8], against signature: FunctionSignature, rule: SelectorRule) {
    let call: DecodedCall
    do {
        call = try CalldataValidator(selectorRule: rule).validate(data: calldata, against: signature)
    } catch {
        require(!error.reason.isEmpty, "a calldata error without a reason")
        return
    }
    let required = rule.required(for: signature)
    require(Array(calldata.prefix(4)) == required.bytes, "accepted data whose selector is not the rule's \(required)")
    require(call.selector == required.bytes, "decoded call reports another selector")
    if case .declared = rule { require(call.selectorMatches, "declared rule accepted another selector") }

    let reencoded = call.selector + ABIEncoder.encode(call.arguments, as: signature.parameters.map(\.type))
    require(reencoded == calldata, "accepted data does not re-encode identically for \(signature.canonical)")

    // The rule decides the selector and nothing else: the same arguments behind any pinned
    // selector decode alike, and behind a selector other than the pinned one are refused.
    let arguments = Array(calldata.dropFirst(4))
    guard let other = Selector([calldata[0] ^ 0x01] + calldata[1..<4]) else { return }
    do {
        let moved = try CalldataValidator(selectorRule: .pinned(other)).validate(data: other.bytes + arguments, against: signature)
        require(moved.arguments == call.arguments, "another pinned selector changed the decoded arguments")
    } catch {
        fatalError("property violated: arguments accepted under \(rule) are refused behind pinned selector \(other): \(error)")
    }
    do {
        _ = try CalldataValidator(selectorRule: .pinned(other)).validate(data: calldata, against: signature)
        fatalError("property violated: data starting with \(Hex.encode(calldata.prefix(4))) accepted under pinned selector \(other)")
    } catch {
        require(error.code == .selectorMismatch, "a wrong selector is refused as \(error.code), not selector-mismatch")
    }
}
