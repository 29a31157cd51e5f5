import EVMPrimitives
import Testing

@testable import ChainRPC

/// Which element of a batch answer goes to which call, from answers shaped as nodes write them.
@Suite("Batch answers")
struct BatchAnswerTests {
    static func match(_ ids: [Int], _ body: String, status: Int = 200) -> [Int: ElementAnswer] {
        BatchAnswer.match(ids: ids, status: status, body: Array(body.utf8))
    }

    /// The element's own answer decoded as a chain id, or its failure.
    static func chainID(_ share: ElementAnswer?) -> Result<ChainID, RPCFailure>? {
        switch share {
        case .answer(let status, let body)?: JSONRPCResponseParser.parse(status: status, body: body, as: ChainID.self)
        case .failure(let failure)?: .failure(failure)
        case nil: nil
        }
    }

    static func isMalformed(_ share: ElementAnswer?, mentioning text: String) -> Bool {
        if case .failure(.malformedResponse(let reason))? = share { return reason.contains(text) }
        return false
    }

    @Test func answersInAnyOrderGoToTheirOwnCalls() {
        let shares = Self.match(
            [7, 8, 9],
            #"""
            [ {"jsonrpc":"2.0","id":9,"result":"0x9"},
              {"jsonrpc":"2.0","id":7,"result":"0x7"} ,
              {"jsonrpc":"2.0","id":8,"error":{"code":-32000,"message":"nonce too low: next nonce 3, tx nonce 1"}} ]
            """#)
        #expect(Self.chainID(shares[7]) == .success(ChainID(7)))
        #expect(Self.chainID(shares[9]) == .success(ChainID(9)))
        #expect(Self.chainID(shares[8]) == .failure(.rpcError(code: -32000, message: "nonce too low: next nonce 3, tx nonce 1", data: nil)))
    }

    @Test func aMissingOrDuplicatedIDFailsThatCallAlone() {
        let shares = Self.match(
            [1, 2, 3, 4],
            #"[{"id":1,"result":"0x1"},{"id":2,"result":"0x2"},{"id":2,"result":"0x22"},{"id":4,"result":"0x4"},{"id":99,"result":"0x63"},"junk"]"#)
        #expect(Self.chainID(shares[1]) == .success(ChainID(1)))
        #expect(Self.chainID(shares[4]) == .success(ChainID(4)))
        #expect(Self.isMalformed(shares[2], mentioning: "2 times"))
        #expect(Self.isMalformed(shares[3], mentioning: "no element with this call's id 3"))
    }

    @Test func gethsBatchTooLargeFailsEveryCallAsUnknown() {
        // geth: an array of one -32600 error carrying the first call's id.
        let shares = Self.match([5, 6, 7], #"[{"jsonrpc":"2.0","id":5,"error":{"code":-32600,"message":"batch too large"}}]"#)
        #expect(shares.count == 3)
        for id in [5, 6, 7] {
            #expect(Self.isMalformed(shares[id], mentioning: "batch too large"))
            if case .failure(let failure)? = shares[id] { #expect(RecoveryAction(classifying: failure) == .retryLater) }
        }
    }

    @Test func oneErrorObjectForTheWholeBatchFailsEveryCall() {
        let shares = Self.match([1, 2], #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch too large"}}"#)
        #expect(Self.isMalformed(shares[1], mentioning: "-32600: batch too large"))
        #expect(Self.isMalformed(shares[2], mentioning: "refused the batch of 2 calls as a whole"))
        // A rate limit asks for what an unknown answer asks: passed on in the node's words.
        let limited = Self.match([1, 2], #"{"jsonrpc":"2.0","id":null,"error":{"code":-32005,"message":"limit exceeded"}}"#, status: 429)
        #expect(Self.chainID(limited[1]) == .failure(.rpcError(code: -32005, message: "limit exceeded", data: nil)))
        #expect(Self.chainID(limited[2]) == .failure(.rpcError(code: -32005, message: "limit exceeded", data: nil)))
    }

    @Test func anHTTPErrorPageFailsEveryCallWithItsStatus() {
        let shares = Self.match([1, 2], "<html>bad gateway</html>", status: 502)
        #expect(Self.chainID(shares[1]) == .failure(.httpStatus(code: 502, bodyExcerpt: "<html>bad gateway</html>")))
        #expect(Self.chainID(shares[2]) == .failure(.httpStatus(code: 502, bodyExcerpt: "<html>bad gateway</html>")))
        // 413 is about the batch's size, not about the call: unknown, never "give up".
        let large = Self.match([1], "too large", status: 413)
        #expect(Self.isMalformed(large[1], mentioning: "lower rpc.batchSize"))
    }

    @Test func notJSONOrTruncatedFailsEveryCallNeverTraps() {
        for body in ["", "[", #"[{"id":1,"result":"0x1"}"#, #"[{"id":1,"result":"0x1"},]"#, "[1,,2]", #"{"id":1,"result":"0x1"}"#, "[] trailing", "\u{0}"] {
            let shares = Self.match([1], body)
            #expect(Self.isMalformed(shares[1], mentioning: ""), "\(body)")
        }
    }

    @Test func splitterHonoursStringsAndNesting() {
        let body = Array(#" [ {"a":"],\"[{"}, [1,[2]] ,"x,y" , 3 ] "#.utf8)
        let ranges = JSONArraySplitter.elements(of: body)
        #expect(ranges?.map { String(decoding: body[$0], as: UTF8.self) } == [#"{"a":"],\"[{"}"#, "[1,[2]]", #""x,y""#, "3"])
        #expect(JSONArraySplitter.elements(of: Array("[]".utf8)) == [])
        #expect(JSONArraySplitter.elements(of: Array("[1]]".utf8)) == nil)
        #expect(JSONArraySplitter.elements(of: Array(#"["unterminated]"#.utf8)) == nil)
    }

    @Test func theBodyNumbersEachCall() {
        let call = ChainRPCClient.encodeCall(method: "eth_chainId", params: [])
        let batch = EndpointBatcher.body(of: [(3, call), (4, call)], plain: false)
        let text = String(decoding: batch, as: UTF8.self)
        #expect(text.hasPrefix(#"[{"id":3,"#) && text.contains(#"},{"id":4,"#) && text.hasSuffix("}]"))
        let plain = String(decoding: EndpointBatcher.body(of: [(5, call)], plain: true), as: UTF8.self)
        #expect(plain.hasPrefix(#"{"id":5,"#) && plain.hasSuffix("}"))
        #expect(plain.contains(#""method":"eth_chainId""#))
    }
}
