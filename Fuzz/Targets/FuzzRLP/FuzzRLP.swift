import BigInt
import EVMPrimitives
@testable import EVMSigning
import FuzzSupport

/// The RLP decoder and the signed-transaction decoder built on it.
///
/// Properties: decoding is strict, so whatever decodes re-encodes to exactly the input (and its
/// integers re-encode alike); an item built from the input encodes to bytes that decode back to
/// it; a decoded signed transaction re-encodes to its raw bytes and hashes to their Keccak.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRLP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size).bytes
    checkDecoding(input)
    checkRoundTrip(input)
    checkSignedTransaction(input)
    return 0
}

private func checkDecoding(_ input: [UInt8]) {
    let item: RLPItem
    do {
        item = try RLPItem.decode(input)
    } catch {
        require(!error.description.isEmpty, "an RLP error without a reason")
        return
    }
    require(item.encoded() == input, "decoded item does not re-encode to the input")
    require(item.encodedLength == input.count, "encodedLength \(item.encodedLength) for \(input.count) bytes")
    checkIntegers(item, depth: 0)
}

/// A byte string that reads as an integer is that integer's one encoding.
private func checkIntegers(_ item: RLPItem, depth: Int) {
    switch item {
    case .bytes:
        if let value = try? item.asUInt64() { require(RLPItem.uint(value) == item, "UInt64 \(value) encodes differently") }
        if let value = try? item.asBigUInt() { require(RLPItem.uint(value) == item, "integer \(value) encodes differently") }
    case .list(let items):
        guard depth < 16 else { return }
        for element in items.prefix(64) { checkIntegers(element, depth: depth + 1) }
    }
}

private func checkRoundTrip(_ input: [UInt8]) {
    var reader = ByteReader(input[...])
    var budget = 4096
    let item = buildItem(&reader, depth: 0, budget: &budget)
    let encoded = item.encoded()
    require(encoded.count == item.encodedLength, "encodedLength \(item.encodedLength) but \(encoded.count) bytes")
    do {
        let decoded = try RLPItem.decode(encoded)
        require(decoded == item, "encoding then decoding changed the item")
    } catch {
        fatalError("property violated: the encoding of a built item does not decode: \(error)")
    }
}

/// An item shaped by the input: a list (with up to 15 items) or a byte string of a length that
/// crosses the 1-byte, 55-byte and 256-byte boundaries; `budget` bounds the total size.
private func buildItem(_ reader: inout ByteReader, depth: Int, budget: inout Int) -> RLPItem {
    let shape = reader.byte()
    budget -= 1
    if shape & 0x80 == 0, depth < 12, budget > 0 {
        var items: [RLPItem] = []
        for _ in 0..<(shape & 0x0F) where budget > 0 {
            items.append(buildItem(&reader, depth: depth + 1, budget: &budget))
        }
        return .list(items)
    }
    let length: Int = switch shape & 0x60 {
    case 0x00: 1
    case 0x20: Int(shape & 0x1F) + 40  // 40...71, across 55
    case 0x40: Int(reader.byte())
    default: Int(reader.byte()) << 2  // up to 1020, across 256
    }
    let count = max(0, min(length, budget))
    budget -= count
    return .bytes(reader.bytes(count))  // shorter at the end of the input
}

private func checkSignedTransaction(_ raw: [UInt8]) {
    let signed: SignedTransaction
    do {
        signed = try SignedTransaction.decode(raw: raw)
    } catch {
        require(!error.description.isEmpty, "a transaction error without a reason")
        return
    }
    require(signed.raw == raw, "decoded transaction keeps other raw bytes")
    require(signed.transaction.raw(signedWith: signed.signature) == raw, "decoded transaction re-encodes differently")
    require(signed.hash.bytes == Keccak256.hash(raw), "transaction hash is not Keccak of the raw bytes")
    // What decodes once decodes again to the same transaction and sender.
    guard let again = try? SignedTransaction.decode(raw: signed.raw) else {
        fatalError("property violated: a decoded transaction's raw bytes do not decode")
    }
    require(again == signed, "decoding the same bytes twice gave different transactions")
}
