import Foundation
import EVMPrimitives
import StrictJSON

extension UnsignedTransaction {
    /// Parses one transaction object in the JSON-RPC shape (see `init(from:)`). The text must be
    /// strict JSON: Foundation's decoder keeps the first of two equal keys where other tools
    /// keep the last, so `{"to": A, "to": B}` would be two different transactions.
    public init(json: Data) throws(TransactionObjectError) {
        do {
            _ = try StrictJSONParser().parse(json)
        } catch {
            throw TransactionObjectError(field: nil, reason: "input is not valid JSON (\(error)); expected one transaction object")
        }
        do {
            self = try JSONDecoder().decode(UnsignedTransaction.self, from: json)
        } catch let error as TransactionObjectError {
            throw error
        } catch DecodingError.dataCorrupted {
            throw TransactionObjectError(field: nil, reason: "input is not valid JSON; expected one transaction object")
        } catch {
            throw TransactionObjectError(field: nil, reason: "expected a JSON object with the transaction fields")
        }
    }
}

extension UnsignedTransaction: Decodable {
    /// Decodes the JSON-RPC transaction shape: `type` ("0x0" or "0x2"; absent means 0x2 when an
    /// EIP-1559 fee field is present, else 0x0), `chainId`, `nonce`, `gas`, `to` (absent or null
    /// creates a contract), `value`, `gasPrice` (type 0x0) or `maxFeePerGas` and
    /// `maxPriorityFeePerGas` (type 0x2), `data` or `input`, `accessList` (type 0x2).
    /// Quantities are "0x" hex or decimal strings. Unknown fields are rejected.
    public init(from decoder: any Decoder) throws {
        let object = try TransactionObjectReader(decoder)
        let isEIP1559: Bool
        switch try object.quantity(.type) {
        case 0?: isEIP1559 = false
        case 2?: isEIP1559 = true
        case let other?: throw object.error(.type, "type 0x\(String(other, radix: 16)) is not supported; use \"0x0\" (legacy) or \"0x2\" (EIP-1559)")
        case nil: isEIP1559 = object.has(.maxFeePerGas) || object.has(.maxPriorityFeePerGas)
        }
        let chainID = ChainID(try object.required(.chainId, object.quantity(.chainId)))
        let nonce = Nonce(try object.required(.nonce, object.quantity(.nonce)))
        let gas = Gas(try object.required(.gas, object.quantity(.gas)))
        let to = try object.address(.to)
        let value = try object.wei(.value) ?? .zero
        let data = try object.calldata()

        guard isEIP1559 else {
            for field in [TransactionObjectReader.Field.maxFeePerGas, .maxPriorityFeePerGas, .accessList] where object.has(field) {
                throw object.error(field, "only valid for type 0x2 transactions; remove it or set \"type\": \"0x2\"")
            }
            let gasPrice = try object.required(.gasPrice, object.wei(.gasPrice))
            self = .legacy(LegacyTransaction(chainID: chainID, nonce: nonce, gasPrice: gasPrice, gas: gas, to: to, value: value, data: data))
            return
        }
        if object.has(.gasPrice) {
            throw object.error(.gasPrice, "not used by type 0x2 transactions; give maxFeePerGas and maxPriorityFeePerGas instead")
        }
        let maxFeePerGas = try object.required(.maxFeePerGas, object.wei(.maxFeePerGas))
        let maxPriorityFeePerGas = try object.required(.maxPriorityFeePerGas, object.wei(.maxPriorityFeePerGas))
        guard maxPriorityFeePerGas <= maxFeePerGas else {
            throw object.error(.maxPriorityFeePerGas, "\(maxPriorityFeePerGas) exceeds maxFeePerGas \(maxFeePerGas)")
        }
        self = .eip1559(EIP1559Transaction(
            chainID: chainID, nonce: nonce,
            maxPriorityFeePerGas: maxPriorityFeePerGas, maxFeePerGas: maxFeePerGas, gas: gas,
            to: to, value: value, data: data, accessList: try object.accessList()
        ))
    }
}
