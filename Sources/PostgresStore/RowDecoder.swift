import Foundation
import PostgresNIO
import StatusStore

/// Decodes a `Decodable` row struct (`RequestRow`, `VersionRow`, `AttemptRow`: their coding
/// keys are the column names) from a result row, column by column.
///
/// A cell that does not decode as the field's type is a `corruptRow` naming the table and
/// column; columns the struct does not know are ignored.
struct RowDecoder: Decoder {
    let row: PostgresRandomAccessRow
    let table: String

    init(_ row: PostgresRow, table: String) {
        self.row = row.makeRandomAccess()
        self.table = table
    }

    static func decode<T: Decodable>(_ type: T.Type, from row: PostgresRow, table: String) throws -> T {
        try T(from: RowDecoder(row, table: table))
    }

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Columns(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw unsupported("a list") }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw unsupported("a single value") }

    func unsupported(_ what: String) -> StatusStoreError {
        StatusStoreError(.corruptRow, "a row of \(table) cannot be read as \(what); this is a bug in the PostgreSQL engine")
    }

    func cell<T: PostgresDecodable>(_ key: some CodingKey, as type: T.Type) throws -> T {
        let name = key.stringValue
        guard row.contains(name) else {
            throw StatusStoreError(.corruptRow, "a row of \(table) has no column \(name); the status store's schema is not this build's")
        }
        do {
            return try row[name].decode(T.self)
        } catch {
            throw StatusStoreError(
                .corruptRow, "column \(name) of a row of \(table) does not decode as \(T.self); the status store was edited or written by a broken build")
        }
    }

    private struct Columns<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: RowDecoder
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { decoder.row.compactMap { Key(stringValue: $0.columnName) } }

        func contains(_ key: Key) -> Bool { decoder.row.contains(key.stringValue) }

        func decodeNil(forKey key: Key) throws -> Bool {
            guard decoder.row.contains(key.stringValue) else { return true }
            return decoder.row[key.stringValue].bytes == nil
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.cell(key, as: Bool.self) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.cell(key, as: String.self) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder.cell(key, as: Int64.self) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.cell(key, as: Int.self) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder.cell(key, as: Int32.self) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.cell(key, as: Double.self) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { throw decoder.unsupported("Float") }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { throw decoder.unsupported("Int8") }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder.cell(key, as: Int16.self) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { throw decoder.unsupported("UInt") }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { throw decoder.unsupported("UInt8") }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { throw decoder.unsupported("UInt16") }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { throw decoder.unsupported("UInt32") }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { throw decoder.unsupported("UInt64") }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            if T.self == Data.self, let data = try decoder.cell(key, as: Data.self) as? T { return data }
            throw decoder.unsupported("\(T.self)")
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw decoder.unsupported("a nested value")
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { throw decoder.unsupported("a nested list") }
        func superDecoder() throws -> any Decoder { throw decoder.unsupported("a superclass") }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw decoder.unsupported("a superclass") }
    }
}
