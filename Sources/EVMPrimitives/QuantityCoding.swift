import BigInt

/// Shared Codable bodies of the quantity-valued types: a "0x…" quantity string out;
/// a quantity or decimal string, or a JSON number, in.
enum QuantityCoding {
    static func decodeUInt64(from decoder: any Decoder, typeName: String) throws -> UInt64 {
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self) else {
            return try container.decode(UInt64.self)
        }
        do throws(QuantityError) {
            return try Quantity.parseUInt64(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(typeName): \(error)")
        }
    }

    static func decodeBigUInt(from decoder: any Decoder, typeName: String) throws -> BigUInt {
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self) else {
            return BigUInt(try container.decode(UInt64.self))
        }
        do throws(QuantityError) {
            return try Quantity.parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(typeName): \(error)")
        }
    }

    static func encode(_ text: String, to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
