import EVMPrimitives

/// An EIP-2930 access list: the addresses and storage slots a transaction declares up front.
public typealias AccessList = [AccessListEntry]

/// One access-list entry: a contract address and the storage slots it will touch.
public struct AccessListEntry: Hashable, Sendable {
    public var address: Address
    public var storageKeys: [StorageKey]

    public init(address: Address, storageKeys: [StorageKey] = []) {
        self.address = address
        self.storageKeys = storageKeys
    }
}

/// A 32-byte storage slot key.
public struct StorageKey: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Accepts exactly 32 bytes; returns nil otherwise.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        self.bytes = Array(bytes)
    }

    public var description: String { Hex.encode(bytes) }
}

extension AccessListEntry {
    var rlp: RLPItem {
        .list([.bytes(address.bytes), .list(storageKeys.map { .bytes($0.bytes) })])
    }
}
