import PostgresNIO
import StatusStore
import _ConnectionPoolModule

/// What a PostgreSQL failure becomes: transient failures of the server or the connection are
/// `busy` or `storageFailure` (``StatusStoreError/isTransient``), with words an operator can
/// act on; the server's message is kept, which never holds a bound value.
enum StoreFailure {
    static func mapped(_ error: any Error) -> any Error {
        if let error = error as? StatusStoreError { return error }
        if let pool = error as? ConnectionPoolError {
            if pool == .requestCancelled { return CancellationError() }
            // The pool gave up connecting for now (its circuit breaker) or is shutting down.
            return StatusStoreError(
                .storageFailure,
                "no connection to the status store's PostgreSQL server (\(error)); nothing was written. Check that the server named by store.url is up and reachable")
        }
        guard let error = error as? PSQLError else { return error }
        if let state = sqlState(error) {
            return server(state: state, message: error.serverInfo?[.message] ?? "no message")
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return StatusStoreError(
                .storageFailure,
                "the connection to the status store's PostgreSQL server failed (\(error.code)); nothing was written. Check that the server named by store.url is up and reachable")
        case .queryCancelled:
            return StatusStoreError(.busy, "a status store query was cancelled; nothing was written, the write can be retried")
        default:
            return StatusStoreError(.storageFailure, "the status store's PostgreSQL server failed (\(error.code)); nothing was written")
        }
    }

    /// Why a connection attempt failed, in a few words: the server's refusal with its code, or
    /// what went wrong on the way.
    static func cause(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let state = sqlState(error) {
            return "the server refused (\(state): \(error.serverInfo?[.message] ?? "no message"))"
        }
        return "\(error.code)"
    }

    /// The SQLSTATE of a server error, nil for a client-side failure.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func isUniqueViolation(_ error: any Error) -> Bool { sqlState(error) == "23505" }

    private static func server(state: String, message: String) -> any Error {
        switch state {
        case "40001", "40P01":
            return StatusStoreError(
                .busy,
                "the status store's transaction collided with another host's (\(state): \(message)); nothing was written, the write can be retried")
        case "55P03":
            return StatusStoreError(
                .busy,
                "the status store stayed locked by another process for longer than store.busyTimeout (\(message)); nothing was written, the write can be retried")
        case "53300":
            return StatusStoreError(
                .busy,
                "the status store's server has no connection slot left (\(message)); lower store.poolSize across hosts or raise max_connections. Nothing was written")
        case "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004":
            return StatusStoreError(
                .storageFailure,
                "the status store's server is shutting down or unreachable (\(state): \(message)); nothing was written, the write can be retried once it is back")
        case let other where other.hasPrefix("53") || other.hasPrefix("58") || other == "XX001" || other == "XX002":
            return StatusStoreError(
                .storageFailure,
                "the status store's server ran out of resources or its disk failed (\(state): \(message)); nothing was written. Check the server's disk and memory")
        default:
            return ServerError(state: state, message: message)
        }
    }
}

/// A failure the server reported about one statement (a constraint, a bad value): not transient.
struct ServerError: Error, CustomStringConvertible {
    let state: String
    let message: String
    var description: String { "PostgreSQL refused the statement (\(state): \(message))" }
}
