import EVMPrimitives
import EVMSigning
import Foundation
import FuzzSupport
import StrictJSON

/// The JSON transaction-object reader (`broadcaster sign`'s input).
///
/// Properties: what is accepted is strict JSON (no key twice, nothing after it); a transaction
/// read from JSON, written back as JSON, reads as the same transaction; it signs, and the
/// signed bytes decode to the same transaction from the signer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTransactionObject(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size).bytes
    let transaction: UnsignedTransaction
    do {
        transaction = try UnsignedTransaction(json: Data(input))
    } catch {
        require(!error.reason.isEmpty, "a transaction-object error without a reason")
        return 0
    }

    do {
        _ = try StrictJSONParser().parse(input)
    } catch {
        fatalError("property violated: accepted a transaction object that is not strict JSON: \(error)")
    }

    let written = json(transaction)
    do {
        let reread = try UnsignedTransaction(json: Data(written.utf8))
        require(reread == transaction, "\(written) reads as another transaction")
    } catch {
        fatalError("property violated: the transaction written back as \(written) does not read: \(error)")
    }

    let signed: SignedTransaction
    do {
        signed = try signer.sign(transaction)
    } catch {
        fatalError("property violated: a transaction the reader accepted does not sign: \(error)")
    }
    do {
        let decoded = try SignedTransaction.decode(raw: signed.raw)
        require(decoded.transaction == transaction, "signed bytes decode to another transaction")
        require(decoded.from == signer.address, "signed bytes recover another sender")
        require(decoded.hash == signed.hash, "decoding changed the hash")
    } catch {
        fatalError("property violated: the signed transaction does not decode: \(error)")
    }
    return 0
}

/// Test key 0x…01 (a devchain account; never fund it elsewhere).
private let signer: Signer = {
    guard let key = try? PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [1]) else {
        fatalError("the fixed test key is invalid")
    }
    return Signer(key: key)
}()

/// The transaction in the reader's JSON shape, every field explicit.
private func json(_ transaction: UnsignedTransaction) -> String {
    var fields: [String] = []
    func add(_ name: String, _ value: String) { fields.append("\"\(name)\":\"\(value)\"") }
    switch transaction {
    case .legacy(let tx):
        add("type", "0x0")
        if let chainID = tx.chainID { add("chainId", Quantity.encode(chainID.value)) }
        add("gasPrice", Quantity.encode(tx.gasPrice.value))
    case .eip1559(let tx):
        add("type", "0x2")
        add("chainId", Quantity.encode(tx.chainID.value))
        add("maxFeePerGas", Quantity.encode(tx.maxFeePerGas.value))
        add("maxPriorityFeePerGas", Quantity.encode(tx.maxPriorityFeePerGas.value))
        let entries = tx.accessList.map { entry in
            let keys = entry.storageKeys.map { "\"\($0)\"" }.joined(separator: ",")
            return "{\"address\":\"\(entry.address)\",\"storageKeys\":[\(keys)]}"
        }
        fields.append("\"accessList\":[\(entries.joined(separator: ","))]")
    }
    add("nonce", Quantity.encode(transaction.nonce.value))
    add("gas", Quantity.encode(transaction.gas.value))
    if let to = transaction.to { add("to", to.checksummed) }
    add("value", Quantity.encode(transaction.value.value))
    add("data", Hex.encode(transaction.data.bytes))
    return "{" + fields.joined(separator: ",") + "}"
}
