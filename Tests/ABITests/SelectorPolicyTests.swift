import ABI
import Testing

@Suite struct SelectorPolicyTests {
    let addWeight: FunctionSignature
    /// `transfer(address,uint256)` calldata: same argument types, different function.
    let transfer = calldata("a9059cbb", word("5eb715d601c2f27f83cb554b6b36e047822fb70a"), word("fa"))

    init() throws {
        addWeight = try FunctionSignature(parsing: "add_weight(address _addr, uint256 _weight)")
    }

    @Test func acceptsTheMissionExampleByDefault() throws {
        #expect(CalldataValidator().selectorPolicy == .allowMismatch)
        let data = calldata("d7136328", word("5eb715d601c2f27f83cb554b6b36e047822fb70a"), word("fa"))
        let call = try CalldataValidator().validate(data: data, against: addWeight)
        #expect(!call.selectorMatches)
        #expect(call.arguments.count == 2)
    }

    @Test func rejectsAMismatchedSelectorWhenStrict() {
        #expect(throws: CalldataError(
            code: .selectorMismatch, location: nil,
            reason: "data starts with selector 0xa9059cbb, but message_type add_weight(address,uint256) has selector 0x1c41742f: the call would run a different function than declared"
        )) {
            _ = try CalldataValidator(selectorPolicy: .reject).validate(data: transfer, against: addWeight)
        }
    }

    /// The mission's example request: its data's selector is not add_weight's.
    @Test func strictPolicyRejectsTheMissionExampleNamingBothSelectors() {
        let data = calldata("d7136328", word("5eb715d601c2f27f83cb554b6b36e047822fb70a"), word("fa"))
        #expect(throws: CalldataError(
            code: .selectorMismatch, location: nil,
            reason: "data starts with selector 0xd7136328, but message_type add_weight(address,uint256) has selector 0x1c41742f: the call would run a different function than declared"
        )) {
            _ = try CalldataValidator(selectorPolicy: .reject).validate(data: data, against: addWeight)
        }
    }

    @Test func allowingAMismatchStillChecksArguments() throws {
        let validator = CalldataValidator(selectorPolicy: .allowMismatch)
        let call = try validator.validate(data: transfer, against: addWeight)
        #expect(!call.selectorMatches)
        #expect(call.selector == [0xa9, 0x05, 0x9c, 0xbb])
        #expect(call.arguments.count == 2)

        #expect(throws: CalldataError.self) {
            _ = try validator.validate(data: transfer + [0], against: addWeight)
        }
    }

    @Test(arguments: [CalldataValidator.SelectorPolicy.reject, .allowMismatch], [0, 1, 3])
    func alwaysRejectsDataWithoutASelector(policy: CalldataValidator.SelectorPolicy, length: Int) {
        #expect(throws: CalldataError(
            code: .missingSelector, location: nil,
            reason: "data is \(length) bytes long; a call needs at least the 4-byte function selector (0x1c41742f for add_weight(address,uint256))"
        )) {
            _ = try CalldataValidator(selectorPolicy: policy).validate(data: Array(transfer.prefix(length)), against: addWeight)
        }
    }
}
