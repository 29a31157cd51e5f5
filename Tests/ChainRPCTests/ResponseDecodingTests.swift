import Foundation
import EVMPrimitives
import Testing

@testable import ChainRPC

/// Answers shaped exactly as geth writes them; the result objects are geth's own test
/// vectors (go-ethereum internal/ethapi/testdata), wrapped in the JSON-RPC envelope.
enum GethFixtures {
    static let dynamicFeeTransaction = """
        {"jsonrpc":"2.0","id":1,"result":{
          "blockHash": "0x15158c4fb0661a38967dbf81b1592c54999b44a4580153b3469b29724903fc95",
          "blockNumber": "0x4",
          "from": "0x703c4b2bd70c169f5717101caee543299fc946c7",
          "gas": "0xea60",
          "gasPrice": "0x2325c42f",
          "maxFeePerGas": "0x2325c42f",
          "maxPriorityFeePerGas": "0x1f4",
          "hash": "0xdcde2574628c9d7dff22b9afa19f235959a924ceec65a9df903a517ae91f5c84",
          "input": "0xa9059cbb0000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000000e",
          "nonce": "0x3",
          "to": "0x0000000000000000000000000000000000031ec7",
          "transactionIndex": "0x0",
          "value": "0x1",
          "type": "0x2",
          "accessList": [],
          "chainId": "0x1",
          "v": "0x1",
          "r": "0x41fa5d541e9081c6f636e6cb6c5dc0c4369c7d65df9b17f8ac47834f1eba4a6a",
          "s": "0x6f811df916d0ec44e108740d6d307fd203273c26f9f52a785cb5fc551c5802f9",
          "yParity": "0x1"
        }}
        """

    /// The same transaction while still in the pool: geth writes null block fields.
    static let pendingTransaction = dynamicFeeTransaction
        .replacingOccurrences(of: "\"0x15158c4fb0661a38967dbf81b1592c54999b44a4580153b3469b29724903fc95\"", with: "null")
        .replacingOccurrences(of: "\"blockNumber\": \"0x4\"", with: "\"blockNumber\": null")
        .replacingOccurrences(of: "\"transactionIndex\": \"0x0\"", with: "\"transactionIndex\": null")

    static let revertedReceipt = """
        {"jsonrpc":"2.0","id":1,"result":{
          "blockHash": "0x3e946aa9e252873af511b257d9d89a1bcafa54ce7c6a6442f8407ecdf81e288d",
          "blockNumber": "0x4",
          "contractAddress": null,
          "cumulativeGasUsed": "0x538d",
          "effectiveGasPrice": "0x2325c42f",
          "from": "0x703c4b2bd70c169f5717101caee543299fc946c7",
          "gasUsed": "0x538d",
          "logs": [],
          "logsBloom": "0x\(String(repeating: "0", count: 512))",
          "status": "0x0",
          "to": "0x0000000000000000000000000000000000031ec7",
          "transactionHash": "0xdcde2574628c9d7dff22b9afa19f235959a924ceec65a9df903a517ae91f5c84",
          "transactionIndex": "0x0",
          "type": "0x2"
        }}
        """

    static let contractCreationReceipt = """
        {"jsonrpc":"2.0","id":1,"result":{
          "blockHash": "0x6d01180263878830b52f8db8a51f04ac305373fa469a97bc8f51e459e9a3b69a",
          "blockNumber": "0x2",
          "contractAddress": "0xae9bea628c4ce503dcfd7e305cab4e29e7476592",
          "cumulativeGasUsed": "0xcf50",
          "effectiveGasPrice": "0x2db16291",
          "from": "0x703c4b2bd70c169f5717101caee543299fc946c7",
          "gasUsed": "0xcf50",
          "logs": [],
          "status": "0x1",
          "to": null,
          "transactionHash": "0x340e58cda5086495010b571fe25067fecc9954dc4ee3cedece00691fa3f5904a",
          "transactionIndex": "0x0",
          "type": "0x0"
        }}
        """

    static let latestBlock = """
        {"jsonrpc":"2.0","id":1,"result":{
          "baseFeePerGas": "0xfdc7303",
          "difficulty": "0x20000",
          "extraData": "0x",
          "gasLimit": "0x47e7c4",
          "gasUsed": "0x5208",
          "hash": "0x58e8791382f392175cea88e173190ea86e36367acf0f95eb56d2ceb1f650b030",
          "miner": "0x0000000000000000000000000000000000000000",
          "mixHash": "0x0000000000000000000000000000000000000000000000000000000000000000",
          "nonce": "0x0000000000000000",
          "number": "0xa",
          "parentHash": "0x8497ace989616d5495ab931f644ea6990dddf7148999bde6bb2ab4b4c7240320",
          "receiptsRoot": "0x056b23fbba480696b65fe5a59b8f2148a1299103c4f57df839233af2cf4ca2d2",
          "sha3Uncles": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
          "size": "0x26a",
          "stateRoot": "0xe7adf5abb2eb6302c2af9b8bd1c309b1d28eda30d2b7ba01b151e48b88bd2163",
          "timestamp": "0x64",
          "totalDifficulty": "0x1",
          "transactions": ["0x3ee4094ca1e0b07a66dd616a057e081e53144ca7e9685a126fd4dda9ca042644"],
          "transactionsRoot": "0xb0893d21a4a44dc26a962a6e91abae66df87fb61ac9c60e936aee89c76331445",
          "uncles": []
        }}
        """

    static let feeHistory = """
        {"jsonrpc":"2.0","id":1,"result":{"oldestBlock":"0x10","reward":[["0x3b9aca00","0x77359400"],["0x0","0x1"]],\
        "baseFeePerGas":["0x7","0x8","0x9"],"gasUsedRatio":[0.5,0.0]}}
        """

    static let nonceTooLow = """
        {"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"nonce too low: address 0x703c4B2bD70c169f5717101CaeE543299Fc946C7, tx: 3 state: 4"}}
        """
}

@Suite("JSON-RPC answers")
struct ResponseDecodingTests {
    private func parse<T: Decodable>(_ text: String, status: Int = 200, as type: T.Type) -> Result<T, RPCFailure> {
        JSONRPCResponseParser.parse(status: status, body: Array(text.utf8), as: type)
    }

    @Test func minedDynamicFeeTransaction() throws {
        let transaction = try #require(try parse(GethFixtures.dynamicFeeTransaction, as: RPCTransaction?.self).get())
        #expect(transaction.hash == (try TxHash("0xdcde2574628c9d7dff22b9afa19f235959a924ceec65a9df903a517ae91f5c84")))
        #expect(transaction.from == (try Address("0x703c4b2bd70c169f5717101caee543299fc946c7")))
        #expect(transaction.to == (try Address("0x0000000000000000000000000000000000031ec7")))
        #expect(transaction.nonce == Nonce(3))
        #expect(transaction.value == Wei(1))
        #expect(transaction.gas == Gas(60_000))
        #expect(transaction.type == 2)
        #expect(transaction.maxFeePerGas == Wei(0x2325c42f))
        #expect(transaction.maxPriorityFeePerGas == Wei(500))
        #expect(transaction.chainID == ChainID(1))
        #expect(transaction.input.bytes.prefix(4) == [0xa9, 0x05, 0x9c, 0xbb])
        #expect(transaction.input.bytes.count == 68)
        #expect(transaction.blockNumber == BlockNumber(4))
        #expect(transaction.transactionIndex == 0)
        #expect(transaction.isMined)
    }

    @Test func pendingTransactionHasNoBlock() throws {
        let transaction = try #require(try parse(GethFixtures.pendingTransaction, as: RPCTransaction?.self).get())
        #expect(transaction.blockHash == nil)
        #expect(transaction.blockNumber == nil)
        #expect(transaction.transactionIndex == nil)
        #expect(!transaction.isMined)
    }

    @Test func unknownTransactionIsNil() throws {
        let transaction = try parse(#"{"jsonrpc":"2.0","id":1,"result":null}"#, as: RPCTransaction?.self).get()
        #expect(transaction == nil)
    }

    @Test func revertedReceipt() throws {
        let receipt = try #require(try parse(GethFixtures.revertedReceipt, as: TransactionReceipt?.self).get())
        #expect(receipt.status == .reverted)
        #expect(receipt.gasUsed == Gas(0x538d))
        #expect(receipt.effectiveGasPrice == Wei(0x2325c42f))
        #expect(receipt.blockNumber == BlockNumber(4))
        #expect(receipt.contractAddress == nil)
        #expect(receipt.to == (try Address("0x0000000000000000000000000000000000031ec7")))
    }

    @Test func contractCreationReceipt() throws {
        let receipt = try #require(try parse(GethFixtures.contractCreationReceipt, as: TransactionReceipt?.self).get())
        #expect(receipt.status == .success)
        #expect(receipt.to == nil)
        #expect(receipt.contractAddress == (try Address("0xae9bea628c4ce503dcfd7e305cab4e29e7476592")))
    }

    @Test func blockHeaderWithHashes() throws {
        let block = try #require(try parse(GethFixtures.latestBlock, as: Block?.self).get())
        #expect(block.number == BlockNumber(10))
        #expect(block.baseFeePerGas == Wei(0xfdc7303))
        #expect(block.gasLimit == Gas(0x47e7c4))
        #expect(block.timestamp == 100)
        #expect(block.transactions == [try TxHash("0x3ee4094ca1e0b07a66dd616a057e081e53144ca7e9685a126fd4dda9ca042644")])
        #expect(block.hash.description == "0x58e8791382f392175cea88e173190ea86e36367acf0f95eb56d2ceb1f650b030")
    }

    @Test func feeHistory() throws {
        let history = try parse(GethFixtures.feeHistory, as: FeeHistory.self).get()
        #expect(history.oldestBlock == BlockNumber(16))
        #expect(history.baseFeePerGas == [Wei(7), Wei(8), Wei(9)])
        #expect(history.gasUsedRatio == [0.5, 0.0])
        #expect(history.reward == [[Wei.gwei(1), Wei.gwei(2)], [Wei(0), Wei(1)]])
    }

    @Test func quantities() throws {
        #expect(try parse(#"{"jsonrpc":"2.0","id":1,"result":"0x7765"}"#, as: ChainID.self).get() == ChainID(0x7765))
        #expect(try parse(#"{"jsonrpc":"2.0","id":1,"result":"0x0"}"#, as: Nonce.self).get() == Nonce(0))
        #expect(try parse(#"{"jsonrpc":"2.0","id":1,"result":"0x1a"}"#, as: BlockNumber.self).get() == BlockNumber(26))
    }

    @Test func rpcErrorBecomesFailure() {
        let result = parse(GethFixtures.nonceTooLow, as: TxHash.self)
        guard case .failure(.rpcError(let code, let message, nil)) = result else {
            Issue.record("expected a JSON-RPC error, got \(result)")
            return
        }
        #expect(code == -32000)
        #expect(message.hasPrefix("nonce too low"))
    }

    @Test func rpcErrorDataIsKept() {
        let text = #"{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0x08c379a0"}}"#
        #expect(parse(text, as: Gas.self) == .failure(.rpcError(code: 3, message: "execution reverted", data: "0x08c379a0")))
    }

    @Test func rpcErrorOnHTTPErrorStatus() {
        let text = #"{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"rate limited"}}"#
        #expect(parse(text, status: 429, as: Gas.self) == .failure(.rpcError(code: -32005, message: "rate limited", data: nil)))
    }

    @Test func htmlErrorPage() {
        let result = parse("<html><body>502 Bad Gateway</body></html>", status: 502, as: Gas.self)
        #expect(result == .failure(.httpStatus(code: 502, bodyExcerpt: "<html><body>502 Bad Gateway</body></html>")))
    }

    @Test func garbageWithSuccessStatus() {
        guard case .failure(.malformedResponse(let reason)) = parse("garbage\u{0}\u{1}", as: Gas.self) else {
            Issue.record("expected a malformed answer")
            return
        }
        #expect(reason.contains("not JSON"))
    }

    @Test func resultOfTheWrongShape() {
        guard case .failure(.malformedResponse(let reason)) = parse(#"{"jsonrpc":"2.0","id":1,"result":"0xZZ"}"#, as: Gas.self)
        else {
            Issue.record("expected a malformed answer")
            return
        }
        #expect(reason.contains("0xZZ"))
    }

    @Test func neitherResultNorError() {
        guard case .failure(.malformedResponse) = parse(#"{"jsonrpc":"2.0","id":1}"#, as: Gas.self) else {
            Issue.record("expected a malformed answer")
            return
        }
    }

    @Test func longBodiesAreCut() {
        let body = String(repeating: "x", count: 5000)
        guard case .failure(.httpStatus(500, let excerpt)) = parse(body, status: 500, as: Gas.self) else {
            Issue.record("expected an HTTP failure")
            return
        }
        #expect(excerpt.count <= JSONRPCResponseParser.excerptLength + 1)
    }
}
