import EVMPrimitives
import EVMSigning
import Foundation
import Testing

@Suite struct TransactionObjectTests {
    func parse(_ json: String) throws(TransactionObjectError) -> UnsignedTransaction {
        try UnsignedTransaction(json: Data(json.utf8))
    }

    func failure(_ json: String) -> TransactionObjectError? {
        do {
            _ = try parse(json)
            return nil
        } catch {
            return error
        }
    }

    @Test func legacyWithDecimalAndHexQuantities() throws {
        let tx = try parse("""
            {"type":"0x0","chainId":"1","nonce":"0x9","gasPrice":"20000000000","gas":"0x5208",
             "to":"0x3535353535353535353535353535353535353535","value":"0xde0b6b3a7640000"}
            """)
        #expect(Hex.encode(tx.signingHash, prefixed: false) == "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")
    }

    @Test func typeIsInferredFromTheFeeFields() throws {
        let legacy = try parse(#"{"chainId":"0x1","nonce":"0x0","gas":"0x5208","gasPrice":"0x1"}"#)
        guard case .legacy = legacy else { Issue.record("expected legacy"); return }
        let dynamic = try parse(#"{"chainId":"0x1","nonce":"0x0","gas":"0x5208","maxFeePerGas":"0x2","maxPriorityFeePerGas":"0x1"}"#)
        guard case .eip1559(let tx) = dynamic else { Issue.record("expected type 2"); return }
        #expect(tx.to == nil)
        #expect(tx.value == .zero)
        #expect(tx.data.bytes.isEmpty)
    }

    @Test func nullToCreatesAContractAndInputAliasesData() throws {
        let tx = try parse(#"{"type":"0x2","chainId":"0x1","nonce":"0x0","gas":"0x5208","maxFeePerGas":"0x2","maxPriorityFeePerGas":"0x1","to":null,"input":"0x6000"}"#)
        #expect(tx.to == nil)
        #expect(tx.data.bytes == [0x60, 0x00])
    }

    @Test func accessList() throws {
        let tx = try parse("""
            {"type":"0x2","chainId":"0x1","nonce":"0x0","gas":"0x5208","maxFeePerGas":"0x2","maxPriorityFeePerGas":"0x1",
             "accessList":[{"address":"0x3535353535353535353535353535353535353535",
                            "storageKeys":["0x0000000000000000000000000000000000000000000000000000000000000001"]}]}
            """)
        guard case .eip1559(let dynamic) = tx else { Issue.record("expected type 2"); return }
        #expect(dynamic.accessList.count == 1)
        #expect(dynamic.accessList.first?.storageKeys.first?.bytes.last == 1)
    }

    @Test func errorsNameTheField() {
        let base = #""chainId":"0x1","nonce":"0x0","gas":"0x5208""#
        let cases: [(json: String, field: String)] = [
            (#"{"chainId":"0x1","gas":"0x5208","gasPrice":"0x1"}"#, "nonce"),
            ("{\(base)}", "gasPrice"),
            ("{\(base),\"gasPrice\":\"0x1\",\"to\":\"0x1234\"}", "to"),
            ("{\(base),\"gasPrice\":\"0x1\",\"to\":\"\"}", "to"),
            ("{\(base),\"gasPrice\":\"0x1\",\"from\":\"0x3535353535353535353535353535353535353535\"}", "from"),
            ("{\(base),\"type\":\"0x2\",\"gasPrice\":\"0x1\",\"maxFeePerGas\":\"0x2\",\"maxPriorityFeePerGas\":\"0x1\"}", "gasPrice"),
            ("{\(base),\"type\":\"0x2\",\"maxFeePerGas\":\"0x2\"}", "maxPriorityFeePerGas"),
            ("{\(base),\"maxFeePerGas\":\"0x1\",\"maxPriorityFeePerGas\":\"0x2\"}", "maxPriorityFeePerGas"),
            ("{\(base),\"gasPrice\":\"0x1\",\"accessList\":[]}", "accessList"),
            ("{\(base),\"type\":\"0x1\",\"gasPrice\":\"0x1\"}", "type"),
            ("{\(base),\"gasPrice\":\"0x01\"}", "gasPrice"),
            ("{\(base),\"gasPrice\":1}", "gasPrice"),
            (#"{"chainId":"0x1","nonce":"0x10000000000000000","gas":"0x5208","gasPrice":"0x1"}"#, "nonce"),
            ("{\(base),\"gasPrice\":\"0x1\",\"data\":\"0x12\",\"input\":\"0x34\"}", "input"),
            ("{\(base),\"gasPrice\":\"0x1\",\"data\":\"12\"}", "data"),
            ("{\(base),\"maxFeePerGas\":\"0x2\",\"maxPriorityFeePerGas\":\"0x1\",\"accessList\":[{\"address\":\"0x3535353535353535353535353535353535353535\",\"storageKeys\":[\"0x01\"]}]}",
             "accessList[0].storageKeys[0]"),
            ("{\(base),\"maxFeePerGas\":\"0x2\",\"maxPriorityFeePerGas\":\"0x1\",\"accessList\":[{\"addr\":\"0x35\"}]}",
             "accessList[0].addr"),
        ]
        for (json, field) in cases {
            let error = failure(json)
            #expect(error?.field == field, "\(json) -> \(error.map(String.init(describing:)) ?? "accepted")")
            #expect(error?.description.hasPrefix("field \"\(field)\": ") == true)
        }
    }

    @Test func wholeDocumentErrors() {
        #expect(failure("not json")?.field == nil)
        #expect(failure("[]") != nil)
        #expect(failure("") != nil)
    }

    /// Found by Fuzz/FuzzTransactionObject: Foundation read the first of two equal keys (Python
    /// and eth-account the last, so one text meant two transactions) and took a trailing comma.
    @Test func duplicateKeysAndTrailingBytesAreRefused() throws {
        let base = #"{"chainId":"0x1","nonce":"0x0","gas":"0x5208","gasPrice":"0x1","#
        _ = try parse(base + #""to":"0x0000000000000000000000000000000000000001"}"#)
        let twice = failure(
            base + #""to":"0x0000000000000000000000000000000000000001","to":"0x000000000000000000000000000000000000dEaD"}"#
        )
        #expect(twice?.field == nil)
        #expect(twice?.reason.hasPrefix(#"input is not valid JSON (the key "to" appears twice in one object"#) == true)
        let nested = failure(
            #"{"type":"0x2","chainId":"0x1","nonce":"0x0","gas":"0x5208","maxFeePerGas":"0x2","maxPriorityFeePerGas":"0x1","#
                + #""accessList":[{"address":"0x0000000000000000000000000000000000000001","address":"0x0000000000000000000000000000000000000002"}]}"#
        )
        #expect(nested?.reason.contains(#"the key "address" appears twice"#) == true)
        let comma = failure(#"{"chainId":"0","nonce":"0","gas":"0","gasPrice":"0",}"#)
        #expect(comma?.reason.hasPrefix("input is not valid JSON (expected a quoted key in the object") == true)
        let trailing = failure(base + #""to":null} {}"#)
        #expect(trailing?.reason.hasPrefix("input is not valid JSON (unexpected bytes after the JSON value") == true)
    }
}
