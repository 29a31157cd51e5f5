import BroadcastModel
@testable import ChainRPC
import EVMPrimitives
import Lifecycle
@testable import Pipeline
import Testing

/// How the answers of several endpoints to one `eth_sendRawTransaction` combine into the one
/// result the lifecycle sees, as a table; every row holds in every order the answers can
/// arrive in (they are collected as they complete).
@Suite("SendClassification: several endpoints' answers to one send, as one result")
struct EndpointSendClassificationTests {
    private static let first = try! RPCEndpoint("http://127.0.0.1:18545")
    private static let second = try! RPCEndpoint("http://127.0.0.1:18546")
    private static let third = try! RPCEndpoint("http://127.0.0.1:18547")
    private static let hash = try! TxHash("0x" + String(repeating: "ab", count: 32))

    /// One endpoint's answer.
    enum Answer: Sendable, CustomStringConvertible {
        case took
        case failed(RPCFailure)

        func outcome(at endpoint: RPCEndpoint) -> Result<TxHashAnswer, ChainRPCError> {
            switch self {
            case .took: .success(TxHashAnswer(hash: EndpointSendClassificationTests.hash, endpoint: endpoint.description))
            case .failed(let failure): .failure(ChainRPCError(endpoint: endpoint, method: "eth_sendRawTransaction", failure: failure))
            }
        }

        var description: String {
            switch self {
            case .took: "took it"
            case .failed(let failure): "\(failure)"
            }
        }
    }

    private static func node(_ message: String) -> Answer { .failed(.rpcError(code: -32000, message: message, data: nil)) }
    private static let alreadyKnown = node("already known")
    private static let nonceTooLow = node("nonce too low: next nonce 5, tx nonce 3")
    private static let nonceTooHigh = node("nonce too high")
    private static let underpriced = node("replacement transaction underpriced")
    private static let noFunds = node("insufficient funds for gas * price + value: address 0x… have 0 want 1")
    private static let intrinsicGas = node("intrinsic gas too low: gas 1, minimum needed 21000")
    private static let poolFull = node("txpool is full")
    private static let internalError = node("internal error")
    private static let timedOut = Answer.failed(.transport(.timedOut))
    private static let closed = Answer.failed(.transport(.connectionClosed))
    private static let cancelled = Answer.failed(.transport(.cancelled))
    private static let refused = Answer.failed(.transport(.connectionRefused))
    private static let connectTimedOut = Answer.failed(.transport(.connectTimedOut))
    private static let badGateway = Answer.failed(.httpStatus(code: 502, bodyExcerpt: "upstream unavailable"))
    private static let tooLarge = Answer.failed(.httpStatus(code: 413, bodyExcerpt: ""))
    private static let garbled = Answer.failed(.malformedResponse(reason: "not JSON"))

    struct Row: Sendable, CustomStringConvertible {
        let answers: [Answer]
        let expected: SendClass
        /// Which endpoint the attempt is recorded at (index into the answers), when it is fixed.
        let recordedAt: Int?

        init(_ answers: [Answer], _ expected: SendClass, at recordedAt: Int? = nil) {
            self.answers = answers
            self.expected = expected
            self.recordedAt = recordedAt
        }

        var description: String { "\(answers) → \(expected)" }
    }

    static let rows: [Row] = [
        // One endpoint.
        Row([.took], .accepted, at: 0),
        Row([alreadyKnown], .accepted, at: 0),
        Row([nonceTooLow], .nonceTooLow, at: 0),
        Row([nonceTooHigh], .nonceTooHigh, at: 0),
        Row([underpriced], .feesTooLow, at: 0),
        Row([noFunds], .insufficientFunds, at: 0),
        Row([intrinsicGas], .invalid, at: 0),
        Row([tooLarge], .invalid, at: 0),
        // A lost answer may have landed: unknown. Only no connection at all is "not sent".
        Row([timedOut], .unknown, at: 0),
        Row([closed], .unknown, at: 0),
        Row([cancelled], .unknown, at: 0),
        Row([badGateway], .unknown, at: 0),
        Row([garbled], .unknown, at: 0),
        Row([internalError], .unknown, at: 0),
        Row([poolFull], .unknown, at: 0),
        Row([refused], .notSent, at: 0),
        Row([connectTimedOut], .notSent, at: 0),
        // Any node taking it wins, "already known" included, whatever the others said: one
        // accepted send, not two.
        Row([alreadyKnown, .took], .accepted),
        Row([.took, timedOut], .accepted, at: 0),
        Row([.took, refused, intrinsicGas], .accepted, at: 0),
        Row([alreadyKnown, nonceTooLow], .accepted, at: 0),
        Row([alreadyKnown, underpriced, noFunds], .accepted, at: 0),
        // Then a used nonce (settled by receipts), over any other refusal or a lost answer.
        Row([nonceTooLow, timedOut], .nonceTooLow, at: 0),
        Row([nonceTooLow, intrinsicGas], .nonceTooLow, at: 0),
        Row([nonceTooLow, underpriced, refused], .nonceTooLow, at: 0),
        // Then a definitive refusal, over a lost answer (the lifecycle acts on the refusal; a
        // version that did land still settles the request by its receipt).
        Row([underpriced, timedOut], .feesTooLow, at: 0),
        Row([noFunds, refused], .insufficientFunds, at: 0),
        Row([intrinsicGas, badGateway], .invalid, at: 0),
        // Endpoints that disagree on a refusal: the least drastic one decides, whatever order
        // the answers came in (a gap to repair, then fees to bump, then funds to wait for, and
        // giving up only when no endpoint offers anything better).
        Row([nonceTooHigh, underpriced], .nonceTooHigh, at: 0),
        Row([underpriced, noFunds], .feesTooLow, at: 0),
        Row([noFunds, intrinsicGas], .insufficientFunds, at: 0),
        Row([intrinsicGas, underpriced, nonceTooHigh], .nonceTooHigh, at: 2),
        // Then a lost answer over no connection.
        Row([timedOut, refused], .unknown, at: 0),
        Row([connectTimedOut, closed, refused], .unknown, at: 1),
        Row([refused, connectTimedOut], .notSent),
    ]

    @Test("every row, in every order the answers can arrive", arguments: rows)
    func combined(_ row: Row) {
        let endpoints = [Self.first, Self.second, Self.third]
        let outcomes = row.answers.enumerated().map { $0.element.outcome(at: endpoints[$0.offset]) }
        for order in permutations(of: Array(outcomes.indices)) {
            let (result, endpoint) = SendClassification.result(of: order.map { outcomes[$0] })
            #expect(SendClass(result) == row.expected, "answers \(order.map { row.answers[$0] }) gave \(result)")
            if let recordedAt = row.recordedAt {
                #expect(endpoint == endpoints[recordedAt].description, "answers \(order.map { row.answers[$0] }) recorded at \(endpoint ?? "none")")
            } else {
                #expect(endpoint != nil)
            }
        }
    }

    @Test("no answer at all (no endpoint tried) is not sent")
    func noEndpoints() {
        let (result, endpoint) = SendClassification.result(of: [])
        #expect(SendClass(result) == .notSent)
        #expect(endpoint == nil)
    }

    @Test("a refusal keeps the node's words, so the attempt row says why")
    func reasons() {
        let (result, _) = SendClassification.result(of: [Self.underpriced.outcome(at: Self.first), Self.timedOut.outcome(at: Self.second)])
        guard case .refused(.feesTooLow, let reason) = result else {
            Issue.record("expected fees too low, got \(result)")
            return
        }
        #expect(reason.contains("replacement transaction underpriced"))
        #expect(reason.contains("127.0.0.1:18545"))
    }

    private func permutations(of items: [Int]) -> [[Int]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { index -> [[Int]] in
            var rest = items
            let item = rest.remove(at: index)
            return permutations(of: rest).map { [item] + $0 }
        }
    }
}
