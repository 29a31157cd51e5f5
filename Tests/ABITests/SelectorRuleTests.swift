import ABI
import Testing

@Suite struct SelectorRuleTests {
    let addWeight: FunctionSignature
    /// `transfer(address,uint256)` calldata: same argument types, different function.
    let transfer = calldata("a9059cbb", word("5eb715d601c2f27f83cb554b6b36e047822fb70a"), word("fa"))
    /// The mission's example request: its data's selector is not add_weight's.
    let missionExample = calldata("d7136328", word("5eb715d601c2f27f83cb554b6b36e047822fb70a"), word("fa"))
    let declaredCall = calldata("1c41742f", word("5eb715d601c2f27f83cb554b6b36e047822fb70a"), word("fa"))

    init() throws {
        addWeight = try FunctionSignature(parsing: "add_weight(address _addr, uint256 _weight)")
    }

    @Test func byDefaultOnlyTheDeclaredSelectorPasses() throws {
        #expect(CalldataValidator().selectorRule == .declared)
        let call = try CalldataValidator().validate(data: declaredCall, against: addWeight)
        #expect(call.selectorMatches)
        #expect(call.arguments.count == 2)

        #expect(throws: CalldataError(
            code: .selectorMismatch, location: nil,
            reason: "data starts with selector 0xa9059cbb, but message_type add_weight(address,uint256) has selector 0x1c41742f: the call would run a different function than configured"
        )) {
            _ = try CalldataValidator().validate(data: transfer, against: addWeight)
        }
        #expect(throws: CalldataError.self) {
            _ = try CalldataValidator().validate(data: missionExample, against: addWeight)
        }
    }

    @Test func aPinnedSelectorIsTheOnlyOneThatPasses() throws {
        let pinned = CalldataValidator(selectorRule: .pinned(try Selector(hex: "0xd7136328")))
        let call = try pinned.validate(data: missionExample, against: addWeight)
        #expect(!call.selectorMatches)
        #expect(call.selector == [0xd7, 0x13, 0x63, 0x28])

        // Neither another function nor the declared signature's own selector gets through.
        for data in [transfer, declaredCall] {
            let error = #expect(throws: CalldataError.self) { _ = try pinned.validate(data: data, against: addWeight) }
            #expect(error?.code == .selectorMismatch)
            #expect(error?.reason.contains("pinned to selector 0xd7136328") == true)
        }
        // Arguments are still checked strictly.
        #expect(throws: CalldataError.self) { _ = try pinned.validate(data: missionExample + [0], against: addWeight) }
    }

    @Test(arguments: ["0xd713632", "0xd713632800", "d7136328", "0xzz136328", ""])
    func aSelectorIsExactly4HexBytes(text: String) {
        #expect(throws: SelectorParseError.self) { _ = try Selector(hex: text) }
    }

    @Test(arguments: [0, 1, 3])
    func alwaysRejectsDataWithoutASelector(length: Int) throws {
        for rule in [SelectorRule.declared, .pinned(try Selector(hex: "0xa9059cbb"))] {
            #expect(throws: CalldataError(
                code: .missingSelector, location: nil,
                reason: "data is \(length) bytes long; a call needs at least the 4-byte function selector (0x1c41742f for add_weight(address,uint256))"
            )) {
                _ = try CalldataValidator(selectorRule: rule).validate(data: Array(transfer.prefix(length)), against: addWeight)
            }
        }
    }
}
