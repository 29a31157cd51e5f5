import BroadcastModel
import Foundation

/// The text form of a page cursor in URLs: milliseconds since 1970, a dot, the request id.
package enum CursorToken {
    package static func text(_ date: Date, _ id: RequestID) -> String {
        "\(StoredTime.millis(date))." + id.description
    }

    package static func parse(_ token: some StringProtocol) -> (Date, RequestID)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let millis = Int64(parts[0]), let id = RequestID(parts[1]) else { return nil }
        return (StoredTime.date(millis), id)
    }
}
