import Foundation

/// One call's share of an HTTP answer: its own JSON-RPC answer (decoded later as the type its
/// caller expects), or a failure that the answer as a whole gave it.
enum ElementAnswer: Sendable {
    case answer(status: Int, body: [UInt8])
    case failure(RPCFailure)
}

/// Which element of a batch answer belongs to which call; pure, so fixtures can test it.
///
/// Elements are matched by `id` (the calls of one batch carry distinct ids; a node may answer
/// in any order). A call whose id is missing or appears twice gets a failure of its own,
/// never another call's answer. An answer that is not one element per call (a single error
/// object, a shorter array of errors such as geth's `batch too large`, an HTTP error page)
/// refused the batch as a whole: it says nothing about any one call, so every call gets a
/// `malformedResponse`, which callers treat as an unknown answer and send again, rather than
/// the node's error code, which could read as a verdict on the call itself (a single error
/// object that classifies as `retryLater` anyway, such as a rate limit, is passed on as is).
enum BatchAnswer {
    static func match(ids: [Int], status: Int, body: [UInt8]) -> [Int: ElementAnswer] {
        guard let ranges = JSONArraySplitter.elements(of: body) else {
            let failure = refusal(of: ids.count, status: status, body: body)
            return Dictionary(uniqueKeysWithValues: ids.map { ($0, ElementAnswer.failure(failure)) })
        }
        let elements = ranges.map { Array(body[$0]) }
        let headers = elements.map(ElementHeader.init(decoding:))
        if elements.count < ids.count, headers.allSatisfy({ $0.error != nil }) {
            let failure = RPCFailure.malformedResponse(
                reason: "the node refused the batch of \(ids.count) calls as a whole: "
                    + (headers.first?.error.map { "\($0)" } ?? "an empty array")
                    + "; lower rpc.batchSize below the node's batch limit if it is a size limit")
            return Dictionary(uniqueKeysWithValues: ids.map { ($0, ElementAnswer.failure(failure)) })
        }
        var byID: [Int: [Int]] = [:]
        for (position, header) in headers.enumerated() {
            if let id = header.id { byID[id, default: []].append(position) }
        }
        var answers: [Int: ElementAnswer] = [:]
        for id in ids {
            switch byID[id] ?? [] {
            case let positions where positions.count == 1:
                // A position of `headers`, which are `elements` one for one.
                if let position = positions.first { answers[id] = .answer(status: status, body: elements[position]) }
            case []:
                answers[id] = .failure(
                    .malformedResponse(reason: "the answer to a batch of \(ids.count) calls has no element with this call's id \(id)"))
            case let positions:
                answers[id] = .failure(
                    .malformedResponse(reason: "the answer to a batch carries this call's id \(id) \(positions.count) times; none is trusted"))
            }
        }
        return answers
    }

    /// What an answer that is not an array tells each call of the batch.
    private static func refusal(of count: Int, status: Int, body: [UInt8]) -> RPCFailure {
        let excerpt = JSONRPCResponseParser.excerpt(of: Data(body))
        if status == 413 {
            return .malformedResponse(
                reason: "HTTP 413: the endpoint refused a batch of \(count) calls as too large; lower rpc.batchSize")
        }
        let error = ElementHeader(decoding: body).error
        if let error, let code = error.code {
            // The node's own words where they ask for what an unknown answer asks anyway
            // (rate limited, busy); never a refusal that would read as a verdict on the call.
            let failure = RPCFailure.rpcError(code: code, message: error.message ?? "", data: nil)
            if RecoveryAction(classifying: failure) == .retryLater { return failure }
        }
        guard (200..<300).contains(status) || error != nil else {
            return .httpStatus(code: status, bodyExcerpt: excerpt)
        }
        if let error {
            return .malformedResponse(
                reason: "the node refused the batch of \(count) calls as a whole: \(error); "
                    + "lower rpc.batchSize below the node's batch limit, or set it to 1 if the node takes no batches")
        }
        return .malformedResponse(reason: "the answer to a batch of \(count) calls is not an array: \(excerpt)")
    }
}

/// The parts of one answer element the matcher needs: its id, when an integer, and its error.
private struct ElementHeader {
    struct ErrorSummary: CustomStringConvertible {
        let code: Int?
        let message: String?
        var description: String {
            "JSON-RPC error \(code.map(String.init) ?? "without a code"): \(message ?? "no message")"
        }
    }

    /// Only the two members: the `result` beside them (a block, a receipt with its logs) is
    /// left to its caller's decoder instead of being built into a tree here and dropped.
    private struct Members: Decodable {
        let id: JSONValue?
        let error: JSONValue?
    }

    let id: Int?
    let error: ErrorSummary?

    init(decoding bytes: [UInt8]) {
        let object = try? JSONDecoder().decode(Members.self, from: Data(bytes))
        if case .number(let number)? = object?.id, number.rounded() == number, abs(number) < 1e15 {
            id = Int(number)
        } else {
            id = nil
        }
        switch object?.error {
        case .object(let members)?:
            var code: Int?
            if case .number(let number)? = members["code"], number.rounded() == number, abs(number) < 1e15 {
                code = Int(number)
            }
            var message: String?
            if case .string(let text)? = members["message"] { message = String(text.prefix(200)) }
            error = ErrorSummary(code: code, message: message)
        case .some(let other) where other != .null:
            error = ErrorSummary(code: nil, message: String(other.description.prefix(200)))
        default:
            error = nil
        }
    }
}
