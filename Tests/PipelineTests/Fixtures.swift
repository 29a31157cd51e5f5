import ABI
import BroadcastModel
import EVMPrimitives
import Foundation

enum Fixtures {
    /// Dev key 0x…01's address, the default signer.
    static let sender = try! Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
    /// Dev key 0x…02's address, the signer of `ping(uint256)` in the test configuration.
    static let otherSender = try! Address("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF")
    /// The contract of the mission's example.
    static let contract = try! Address("0x5eb715d601c2f27f83cb554b6b36e047822fb70a")
    /// Where `store(bytes)` and `archive(bytes)` go, and where `ping(uint256)` goes (no code at
    /// either: the calls succeed).
    static let storeContract = try! Address("0x00000000000000000000000000000000c0ffee00")
    static let pingContract = try! Address("0x0000000000000000000000000000000000001234")
    /// The calldata of the mission's example request, as given.
    static let missionCalldata = try! Calldata(
        hex: "0xd71363280000000000000000000000005eb715d601c2f27f83cb554b6b36e047822fb70a"
            + "00000000000000000000000000000000000000000000000000000000000000fa")

    static func request(id: RequestID = RequestID(), data: Calldata = missionCalldata) -> BroadcastRequest {
        BroadcastRequest(
            id: id, messageType: "add_weight(address _addr, uint256 _weight)", function: "add_weight(address,uint256)",
            data: data, to: contract, from: sender, acceptedAt: Date())
    }

    /// The mission's call with weight `weight`: calldata no other request of the test carries,
    /// so the chain tells which transaction is whose.
    static func request(weight: UInt64) -> BroadcastRequest {
        request(data: Calldata(Array(missionCalldata.bytes.prefix(36)) + word(weight)))
    }

    /// A request of a `bytes` message type (`store` or `archive`) carrying `payload`, ABI-encoded
    /// under the signature's own selector.
    static func bytesRequest(_ function: String, payload: [UInt8], from sender: Address = sender) throws -> BroadcastRequest {
        let signature = try FunctionSignature(parsing: function)
        let padding = (32 - payload.count % 32) % 32
        let data = signature.selector + word(32) + word(UInt64(payload.count)) + payload + [UInt8](repeating: 0, count: padding)
        return BroadcastRequest(
            id: RequestID(), messageType: function, function: signature.canonical, data: Calldata(data),
            to: storeContract, from: sender, acceptedAt: Date())
    }

    /// A 32-byte big-endian ABI word.
    static func word(_ value: UInt64) -> [UInt8] {
        [UInt8](repeating: 0, count: 24) + withUnsafeBytes(of: value.bigEndian, Array.init)
    }
}
