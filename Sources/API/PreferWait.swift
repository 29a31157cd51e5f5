import Foundation
import HTTPTypes
import Hummingbird

/// `Prefer: wait=N` (RFC 7240): how many seconds the caller will wait for the broadcast outcome.
struct PreferWait: Equatable, Sendable {
    static let header = HTTPField.Name("Prefer")!
    static let appliedHeader = HTTPField.Name("Preference-Applied")!

    let seconds: Int

    /// The requested wait, nil when the caller did not ask for one; 400 unless 0 < N <= `max`.
    static func from(_ request: Request, max: Duration) throws(APIError) -> PreferWait? {
        let maxSeconds = Int(max.components.seconds)
        for field in request.headers[values: header] {
            for preference in field.split(separator: ",") {
                let token = preference.split(separator: ";", maxSplits: 1)[0]
                let parts = token.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.first?.lowercased() == "wait" else { continue }
                let value = parts.count == 2 ? parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : ""
                guard let seconds = Int(value), seconds > 0, seconds <= maxSeconds else {
                    throw .badRequest("invalid_prefer_wait", "Prefer: wait=\(value) is not allowed; give whole seconds from 1 to \(maxSeconds)")
                }
                return PreferWait(seconds: seconds)
            }
        }
        return nil
    }
}
