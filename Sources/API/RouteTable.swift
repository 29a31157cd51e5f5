import HTTPTypes
import Hummingbird

/// The API's routes and the methods each one serves, so that a known path asked with another
/// method gets 405 with `Allow`, and only an unknown path gets 404.
struct RouteTable: Sendable {
    struct Route: Sendable {
        /// Path segments; `{name}` matches any one segment.
        let segments: [Substring]
        let methods: [HTTPRequest.Method]

        init(_ path: String, _ methods: [HTTPRequest.Method]) {
            segments = path.split(separator: "/")
            self.methods = methods
        }

        /// How well `path` matches: the number of literal segments that matched, nil if it does not.
        func score(_ path: [Substring]) -> Int? {
            guard path.count == segments.count else { return nil }
            var literal = 0
            for (pattern, segment) in zip(segments, path) {
                if pattern.hasPrefix("{") {
                    guard !segment.isEmpty else { return nil }
                } else {
                    guard pattern == segment else { return nil }
                    literal += 1
                }
            }
            return literal
        }
    }

    let routes: [Route]
    /// The methods of each route without parameters, by its path: most requests name one, and
    /// a lookup costs less than splitting the path.
    private let literalPaths: [String: [HTTPRequest.Method]]

    init(routes: [Route]) {
        self.routes = routes
        var literalPaths: [String: [HTTPRequest.Method]] = [:]
        for route in routes where !route.segments.contains(where: { $0.hasPrefix("{") }) {
            let path = "/" + route.segments.joined(separator: "/")
            if literalPaths[path] == nil { literalPaths[path] = route.methods }
        }
        self.literalPaths = literalPaths
    }

    static let api = RouteTable(routes: [
        Route("/transaction/broadcast", [.post]),
        Route("/transaction/{id}", [.get]),
        Route("/healthz", [.get]),
        Route("/readyz", [.get]),
        Route("/metrics", [.get]),
    ])

    /// The methods the best-matching route serves (a literal segment beats a parameter, as in
    /// the router), empty when no route matches.
    func methods(for path: String) -> [HTTPRequest.Method] {
        if let methods = literalPaths[path] { return methods }
        let segments = path.split(separator: "/")
        var best: (score: Int, methods: [HTTPRequest.Method])?
        for route in routes {
            guard let score = route.score(segments) else { continue }
            if best.map({ score > $0.score }) ?? true { best = (score, route.methods) }
        }
        return best?.methods ?? []
    }

    /// A human list of the routes, for 404 reasons.
    var summary: String {
        routes.map { route in
            route.methods.map(\.rawValue).joined(separator: "/") + " /" + route.segments.joined(separator: "/")
        }.joined(separator: ", ")
    }
}

/// Answers 405 with `Allow` to a known path asked with a method it does not serve, before the
/// router (which would answer 404, or try a parameter route: GET /transaction/broadcast).
struct MethodGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let allowed = routes.methods(for: request.uri.path)
        guard allowed.isEmpty || allowed.contains(request.method) else {
            throw MethodGuardMiddleware.notAllowed(request, allowed: allowed)
        }
        return try await next(request, context)
    }

    static func notAllowed(_ request: Request, allowed: [HTTPRequest.Method]) -> APIError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(
            .methodNotAllowed, code: "method_not_allowed",
            reason: "\(request.method) is not served on \(Echo.bounded(request.uri.path)); use \(list)",
            headers: [.allow: list])
    }
}
