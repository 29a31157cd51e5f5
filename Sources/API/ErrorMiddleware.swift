import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1

/// Turns every error into the API's one error shape: `APIError` as it is, Hummingbird's own
/// (404, 405, 413 from the body limit) re-worded, a request the HTTP decoder cannot read into
/// a 400 with the reason (debug log: it is the client's), and anything else into a 500 that
/// leaks nothing but a reference the operator can find in the log.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPParserError {
            context.logger.debug("unreadable request: \(error)", metadata: ["path": "\(request.uri.path)"])
            throw FramingError.apiError(error)
        } catch let error as any HTTPResponseError {
            throw translate(error.status, request: request)
        } catch {
            context.logger.error("internal error: \(String(reflecting: error))", metadata: ["path": "\(request.uri.path)"])
            throw APIError(.internalServerError, code: "internal", reason: "the server failed to handle the request; quote reference \(context.id) to the operator")
        }
    }

    func translate(_ status: HTTPResponse.Status, request: Request) -> APIError {
        switch status {
        case .notFound:
            APIError(.notFound, code: "not_found", reason: "no route for \(request.method) \(Echo.bounded(request.uri.path)); the API routes are \(routes.summary)")
        case .methodNotAllowed:
            MethodGuardMiddleware<Context>.notAllowed(request, allowed: routes.methods(for: request.uri.path))
        case .contentTooLarge:
            APIError(.contentTooLarge, code: "body_too_large", reason: "the request body is larger than the configured limit (api.maxBodyBytes)")
        default:
            APIError(status, code: "http_\(status.code)", reason: status.reasonPhrase)
        }
    }
}
