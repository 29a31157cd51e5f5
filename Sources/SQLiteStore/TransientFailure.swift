import GRDB
import StatusStore

extension StatusStoreError {
    /// What an SQLite failure that concerns the whole store, not one request, becomes: the
    /// lock held too long by another process, or the disk failing. Nil for any other error.
    static func transient(_ error: any Error) -> StatusStoreError? {
        if let error = error as? StatusStoreError { return error.isTransient ? error : nil }
        guard let error = error as? DatabaseError else { return nil }
        let detail = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StatusStoreError(
                .busy,
                "the status store stayed locked by another process for longer than store.busyTimeout (\(detail)); nothing was written, the write can be retried")
        case .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_NOMEM, .SQLITE_PROTOCOL:
            return StatusStoreError(
                .storageFailure,
                "the status store's disk failed (\(detail)); nothing was written. Check free space and the disk holding store.path")
        default:
            return nil
        }
    }
}
