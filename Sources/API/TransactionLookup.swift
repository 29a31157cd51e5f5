import BroadcastModel
import Hummingbird
import StatusStore

/// `GET /transaction/{id}`: the stored record of a request.
struct TransactionLookup: Sendable {
    let keyCheck: APIKeyCheck
    let store: any StatusStore

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        _ = try keyCheck.identify(request)
        let text = context.parameters.get("id") ?? ""
        guard let id = RequestID(text) else {
            throw APIError.badRequest("invalid_id", "\"\(text)\" is not a request id; ids are UUIDs such as 3f2a6c1e-8d4b-4e5f-9a7b-1c2d3e4f5a6b")
        }
        guard let stored = try await store.request(id) else {
            throw APIError(.notFound, code: "unknown_request",
                           reason: "request \(id) is unknown or not processed yet: a request just accepted appears once a worker has signed it; retry shortly")
        }
        let attempts = try await store.attempts(of: id)
        let head = try await store.chainHead()
        return JSONBody.response(.ok, RecordView(stored: stored, attempts: attempts, head: head))
    }
}
