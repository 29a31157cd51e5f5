import ABI
import AdminAccess
import AdminActions
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import Lifecycle
import NIOCore
import StatusStore

/// A request's calldata three ways: decoded with the parameter names of its message type,
/// as hex, and as whatever UTF-8 text it holds.
struct CalldataView: Codable, Sendable {
    struct Argument: Codable, Sendable {
        var name: String
        var type: String
        var value: String
    }

    var selector: String?
    var arguments: [Argument]
    /// Why it could not be decoded, when it could not.
    var decodeProblem: String?
    var hex: String
    var utf8: String
    var bytes: Int

    init(data: [UInt8], messageType: String, configuration: BroadcasterConfiguration) {
        hex = Hex.encode(data)
        bytes = data.count
        utf8 = Self.printable(data)
        selector = data.count >= 4 ? Hex.encode(Array(data.prefix(4))) : nil
        arguments = []
        let settings: MessageTypeSettings?
        do {
            settings = try configuration.messageType(for: messageType)
        } catch {
            decodeProblem = "the message type is not a function signature: \(error)"
            return
        }
        let signature: FunctionSignature
        if let settings {
            signature = settings.signature
        } else if let parsed = try? FunctionSignature(parsing: messageType) {
            // No longer configured: its own text still names the parameters.
            signature = parsed
            decodeProblem = "this message type is no longer configured; decoded with the signature it was sent with"
        } else {
            decodeProblem = "the message type is not configured"
            return
        }
        do {
            let call = try CalldataValidator(selectorRule: settings?.selectorRule ?? .declared).validate(data: data, against: signature)
            arguments = zip(signature.parameters, call.arguments).enumerated().map { index, pair in
                Argument(name: pair.0.name ?? "argument \(index + 1)", type: pair.0.type.canonical, value: Self.text(pair.1))
            }
        } catch {
            decodeProblem = "the calldata does not decode as \(signature.canonical): \(error)"
        }
    }

    static func text(_ value: ABIValue) -> String {
        switch value {
        case .address(let address): address.checksummed
        case .bool(let bool): bool ? "true" : "false"
        case .uint(let number, _): number.description
        case .int(let number, _): number.description
        case .fixedBytes(let bytes), .bytes(let bytes): Hex.encode(bytes)
        case .string(let string): "\"\(string)\""
        case .array(let values): "[" + values.map(text).joined(separator: ", ") + "]"
        case .tuple(let values): "(" + values.map(text).joined(separator: ", ") + ")"
        }
    }

    /// The bytes as text, with a dot for each byte that is not printable UTF-8.
    static func printable(_ data: [UInt8]) -> String {
        let decoded = String(decoding: data, as: UTF8.self)
        return String(decoded.unicodeScalars.map { scalar in
            scalar == "\u{FFFD}" || scalar.properties.generalCategory == .control ? "." : Character(scalar)
        })
    }
}
