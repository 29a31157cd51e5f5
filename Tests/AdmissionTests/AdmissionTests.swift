import ABI
import Admission
import BroadcastModel
import BroadcasterConfig
import EVMKeys
import EVMPrimitives
import Foundation
import Testing

@Suite("Admission: what the API accepts and what a worker signs")
struct AdmissionTests {
    static let sender = try! Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
    static let otherSender = try! Address("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF")
    static let contract = try! Address("0x5FbDB2315678afecb367f032d93F642f64180aa3")
    static let argumentWords = "0000000000000000000000005eb715d601c2f27f83cb554b6b36e047822fb70a"
        + "00000000000000000000000000000000000000000000000000000000000000fa"
    static let missionData = try! Calldata(hex: "0xd7136328" + argumentWords)

    let configuration: BroadcasterConfiguration

    init() throws {
        var configuration = BroadcasterConfiguration()
        configuration.signers = ["dev": .hexFile(path: "/nonexistent"), "ops": .hexFile(path: "/nonexistent")]
        configuration.signerAddresses = ["dev": Self.sender, "ops": Self.otherSender]
        configuration.messageTypes = [
            MessageTypeSettings(
                name: "add_weight", signature: try FunctionSignature(parsing: "add_weight(address _addr, uint256 _weight)"),
                contract: Self.contract, signers: ["dev"], gasLimit: Gas(100_000), selectorRule: .pinned(try Selector(hex: "0xd7136328"))),
            MessageTypeSettings(
                name: "store", signature: try FunctionSignature(parsing: "store(bytes)"),
                contract: Self.contract, signers: ["ops"], gasLimit: Gas(200_000)),
        ]
        self.configuration = configuration
    }

    private var admission: Admission { Admission(configuration: configuration) }

    private func request(
        messageType: String = "add_weight(address _addr, uint256 _weight)", function: String = "add_weight(address,uint256)",
        data: Calldata = missionData, to: Address = contract, from: Address = sender
    ) -> BroadcastRequest {
        BroadcastRequest(id: RequestID(), messageType: messageType, function: function, data: data, to: to, from: from, acceptedAt: Date())
    }

    /// `store(bytes)` calldata carrying `count` bytes of 0xff.
    private static func storeCall(count: Int) throws -> Calldata {
        let selector = try FunctionSignature(parsing: "store(bytes)").selector
        let padded = (count + 31) / 32 * 32
        var bytes = selector + word(32) + word(UInt64(count))
        bytes += [UInt8](repeating: 0xff, count: count) + [UInt8](repeating: 0, count: padded - count)
        return Calldata(bytes)
    }

    private static func word(_ value: UInt64) -> [UInt8] {
        [UInt8](repeating: 0, count: 24) + (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    @Test("the mission's example passes under its pinned selector, sent by the type's signer")
    func missionExample() throws {
        let admitted = try admission.admit(messageType: "add_weight(address _addr, uint256 _weight)", data: Self.missionData)
        #expect(admitted.senders.addresses == [Self.sender])
        #expect(admitted.type.contract == Self.contract)
        #expect(admitted.call.arguments.count == 2)
        #expect(try admission.recheck(request()).name == "add_weight")
    }

    @Test("a caller cannot pick another function with compatible arguments", arguments: [
        "095ea7b3",  // approve(address,uint256)
        "a9059cbb",  // transfer(address,uint256)
        "1c41742f",  // add_weight(address,uint256) itself: the type is pinned to 0xd7136328
    ])
    func selectorAttack(selector: String) throws {
        let data = try Calldata(hex: "0x" + selector + Self.argumentWords)
        let error = #expect(throws: AdmissionError.self) { try admission.admit(messageType: "add_weight(address,uint256)", data: data) }
        #expect(error?.code == .selectorNotAllowed)
        let recheck = #expect(throws: AdmissionError.self) { try admission.recheck(request(data: data)) }
        #expect(recheck?.code == .selectorNotAllowed)
    }

    @Test("transferOwnership(address) data is refused too")
    func transferOwnership() throws {
        let data = try Calldata(hex: "0xf2fde38b" + String(Self.argumentWords.prefix(64)))
        let error = #expect(throws: AdmissionError.self) { try admission.admit(messageType: "add_weight(address,uint256)", data: data) }
        #expect(error?.code == .selectorNotAllowed)
    }

    @Test("a call whose intrinsic gas exceeds the type's limit is refused, naming the limit")
    func intrinsicGas() throws {
        // 30 KB of non-zero bytes needs 21,000 + 40 per byte under the EIP-7623 floor.
        let huge = try Self.storeCall(count: 30_720)
        let error = #expect(throws: AdmissionError.self) { try admission.admit(messageType: "store(bytes)", data: huge) }
        #expect(error?.code == .exceedsGasLimit)
        #expect(error?.reason.contains("gas limit of 200000") == true)
        #expect(error?.reason.contains("messageTypes.store.gasLimit") == true)
        let recheck = #expect(throws: AdmissionError.self) {
            try admission.recheck(request(messageType: "store(bytes)", function: "store(bytes)", data: huge, from: Self.otherSender))
        }
        #expect(recheck?.code == .exceedsGasLimit)

        // The largest that fits: 21,000 + 10 * (tokens) <= 200,000.
        let fits = try Self.storeCall(count: 4_000)
        #expect(IntrinsicGas.forCall(data: fits) <= Gas(200_000))
        _ = try admission.admit(messageType: "store(bytes)", data: fits)
    }

    @Test("a worker refuses a topic message that names another contract, sender or function")
    func recheckFields() throws {
        let dead = try Address("0x000000000000000000000000000000000000dEaD")
        let cases: [(BroadcastRequest, AdmissionError.Code)] = [
            (request(to: dead), .wrongContract),
            (request(from: Self.otherSender), .wrongSender),
            (request(function: "mint(address,uint256)"), .unknownMessageType),
            (request(messageType: "store(bytes)"), .inconsistentFunction),
            (request(messageType: "add_weight(address"), .invalidMessageType),
            (request(data: try Calldata(hex: "0xdeadbeef01")), .selectorNotAllowed),
            (request(data: try Calldata(hex: "0xd7136328" + Self.argumentWords + "00")), .invalidCalldata),
        ]
        for (request, code) in cases {
            let error = #expect(throws: AdmissionError.self) { try admission.recheck(request) }
            #expect(error?.code == code, "\(request)")
        }
    }

    @Test("a type signed by a pool: the API offers the pool, a worker takes a request from any of its senders and no other")
    func pool() throws {
        var configuration = configuration
        configuration.messageTypes[0].signers = ["dev", "ops"]
        let admission = Admission(configuration: configuration)
        let admitted = try admission.admit(messageType: "add_weight(address,uint256)", data: Self.missionData)
        #expect(admitted.senders.addresses == [Self.sender, Self.otherSender])
        try admission.recheck(request(from: Self.sender))
        try admission.recheck(request(from: Self.otherSender))
        let stranger = try Address("0x000000000000000000000000000000000000dEaD")
        let error = #expect(throws: AdmissionError.self) { try admission.recheck(request(from: stranger)) }
        #expect(error?.code == .wrongSender)
        #expect(error?.reason.contains("signers dev (\(Self.sender)), ops (\(Self.otherSender))") == true, "\(String(describing: error))")
    }

    @Test("the API names unknown and malformed message types")
    func unknownTypes() {
        let unknown = #expect(throws: AdmissionError.self) { try admission.admit(messageType: "mint(address,uint256)", data: Self.missionData) }
        #expect(unknown?.code == .unknownMessageType)
        #expect(unknown?.reason.contains("\"add_weight(address,uint256)\"") == true)
        let malformed = #expect(throws: AdmissionError.self) { try admission.admit(messageType: "add_weight(", data: Self.missionData) }
        #expect(malformed?.code == .invalidMessageType)
    }
}
