import HTTPTypes
import Hummingbird
import Logging

/// Turns every error into the API's one error shape: `APIError` as it is, Hummingbird's own
/// (404, 405, 413 from the body limit) re-worded, and anything else into a 500 that leaks
/// nothing but a reference the operator can find in the log.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as any HTTPResponseError {
            throw Self.translate(error.status, request: request)
        } catch {
            context.logger.error("internal error: \(String(reflecting: error))", metadata: ["path": "\(request.uri.path)"])
            throw APIError(.internalServerError, code: "internal", reason: "the server failed to handle the request; quote reference \(context.id) to the operator")
        }
    }

    static func translate(_ status: HTTPResponse.Status, request: Request) -> APIError {
        switch status {
        case .notFound:
            APIError(.notFound, code: "not_found", reason: "no route for \(request.method) \(request.uri.path); see the API routes: POST /transaction/broadcast, GET /transaction/{id}, /healthz, /readyz, /metrics")
        case .methodNotAllowed:
            APIError(.methodNotAllowed, code: "method_not_allowed", reason: "\(request.method) is not allowed on \(request.uri.path)")
        case .contentTooLarge:
            APIError(.contentTooLarge, code: "body_too_large", reason: "the request body is larger than the configured limit (api.maxBodyBytes)")
        default:
            APIError(status, code: "http_\(status.code)", reason: status.reasonPhrase)
        }
    }
}
