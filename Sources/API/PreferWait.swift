import Foundation
import HTTPTypes
import Hummingbird

/// `Prefer: wait=N` (RFC 7240): how many seconds the caller will wait for the broadcast outcome.
struct PreferWait: Equatable, Sendable {
    static let header = HTTPField.Name("Prefer")!
    static let appliedHeader = HTTPField.Name("Preference-Applied")!

    let seconds: Int

    /// The requested wait, nil when the caller did not ask for one; 400 unless 0 < N <= `max`.
    ///
    /// Each `Prefer` field is a comma-separated list of `token[=value]` preferences, each
    /// followed by `;parameters`; preferences other than `wait` are ignored (RFC 7240 § 2), and
    /// so are empty ones (`Prefer: ;`).
    static func from(_ request: Request, max: Duration) throws(APIError) -> PreferWait? {
        let maxSeconds = Int(clamping: max.components.seconds)
        for field in request.headers[values: header] {
            for preference in field.split(separator: ",") {
                guard let token = preference.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first else { continue }
                let parts = token.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = parts.first, name.trimmingCharacters(in: .whitespaces).lowercased() == "wait" else { continue }
                let value = parts.dropFirst().first.map {
                    $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                } ?? ""
                // Int(_:) refuses signs other than one leading "-"/"+", non-digits and overflow.
                guard let seconds = Int(value), seconds > 0, seconds <= maxSeconds else {
                    throw .badRequest(
                        "invalid_prefer_wait", "Prefer: wait=\(Echo.bounded(value, limit: 24)) is not allowed; give whole seconds from 1 to \(maxSeconds)")
                }
                return PreferWait(seconds: seconds)
            }
        }
        return nil
    }
}
