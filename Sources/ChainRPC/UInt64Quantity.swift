import EVMPrimitives

/// Reads JSON-RPC quantities ("0x1a") as `UInt64`, for fields with no typed value.
enum UInt64Quantity {
    static func decode(from decoder: any Decoder) throws -> UInt64 {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do throws(QuantityError) {
            return try Quantity.parseUInt64(text)
        } catch {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(text.prefix(80))\" is not a 64-bit quantity: \(error)")
        }
    }
}

extension KeyedDecodingContainer {
    /// A quantity field as `UInt64`.
    func decodeQuantity(forKey key: Key) throws -> UInt64 {
        try UInt64Quantity.decode(from: superDecoder(forKey: key))
    }
}
