import ABI
import Testing

@Suite struct SignatureParsingTests {
    @Test(arguments: [
        ("add_weight(address _addr, uint256 _weight)", "add_weight(address,uint256)"),
        ("  f ( uint a , int b )  ", "f(uint256,int256)"),
        ("f(bytes memory data, string calldata s, uint256[] storage xs)", "f(bytes,string,uint256[])"),
        ("f(uint256 a, (address,bytes)[] b)", "f(uint256,(address,bytes)[])"),
        ("f(tuple(uint256 x, address y)[2] memory points)", "f((uint256,address)[2])"),
        ("f(address payable to, bool)", "f(address,bool)"),
        ("f()", "f()"),
        ("f(uint[][3][] a)", "f(uint256[][3][])"),
        ("f(uint256 [ ] a)", "f(uint256[])"),
        ("f(bytes32,bytes1,int8,uint8,int256,uint24)", "f(bytes32,bytes1,int8,uint8,int256,uint24)"),
        ("$_f9(string)", "$_f9(string)"),
        ("f((uint, (int, bytes4)[2])[] calldata)", "f((uint256,(int256,bytes4)[2])[])"),
    ])
    func canonicalizes(input: String, canonical: String) throws {
        #expect(try FunctionSignature(parsing: input).canonical == canonical)
    }

    @Test func keepsNamesAndTypes() throws {
        let signature = try FunctionSignature(parsing: "submit((uint8 amount, address) [] orders, bytes)")
        #expect(signature.name == "submit")
        #expect(signature.parameters.map(\.name) == ["orders", nil])
        let order = ABIType.tuple([Parameter(name: "amount", type: .uint(bits: 8)), Parameter(name: nil, type: .address)])
        #expect(signature.parameters.map(\.type) == [.array(of: order), .bytes])
        #expect(signature.parameters[0].type.displayName == "tuple[]")
        #expect(signature.parameters[0].type.isDynamic)
        #expect(!order.isDynamic)
    }

    @Test(arguments: [
        ("f(fixed128x18 x)", SignatureError.Code.unsupportedType, "type \"fixed128x18\" is not supported"),
        ("f(ufixed)", .unsupportedType, "type \"ufixed\" is not supported"),
        ("f(function)", .unsupportedType, "is not supported"),
        ("f(uint7)", .invalidSize, "type \"uint7\" has an invalid size: uintN needs N a multiple of 8 from 8 to 256"),
        ("f(uint264)", .invalidSize, "invalid size"),
        ("f(int0)", .invalidSize, "invalid size"),
        ("f(uint08)", .invalidSize, "invalid size"),
        ("f(bytes33)", .invalidSize, "bytesN needs N from 1 to 32"),
        ("f(bytes0)", .invalidSize, "invalid size"),
        ("f(uint256[0])", .invalidSize, "array length \"0\" must be a whole number of at least 1"),
        ("f(uint256[01])", .invalidSize, "without leading zeros"),
        ("f(foo x)", .unknownType, "unknown type \"foo\""),
        ("f(IERC20 token)", .unknownType, "address for contracts and interfaces"),
        ("f(byte)", .unknownType, "write bytes1"),
        ("f(uint256,,address)", .syntax, "expected a type, found an empty parameter"),
        ("f(uint256,)", .syntax, "empty parameter"),
        ("(uint256)", .invalidName, "expected a function name"),
        ("", .invalidName, "expected a function name"),
        ("1f(uint256)", .invalidName, "expected a function name"),
        ("f uint256", .syntax, "expected \"(\" after the function name \"f\""),
        ("f(uint256", .syntax, "the parameter list is not closed"),
        ("f(uint256) external", .syntax, "unexpected text after the parameter list: \"external\""),
        ("f(uint256 a b)", .syntax, "expected \",\" or \")\" but found \"b)\""),
        ("f(uint256 ä)", .syntax, "expected \",\" or \")\""),
        ("f(uint256[)", .syntax, "expected \"]\""),
        ("f(())", .syntax, "a tuple needs at least one component"),
        ("f(tuple uint256)", .syntax, "expected \"(\" after \"tuple\""),
        ("f(uint256 a, address a)", .duplicateName, "the name \"a\" is used twice"),
        ("f(address uint256)", .invalidName, "\"uint256\" is a keyword, not a parameter name (is a comma missing?)"),
        ("f(bytes memory memory)", .invalidName, "\"memory\" is a keyword"),
        ("f(uint256[1000000000000])", .tooComplex, "takes more than 1048576 bytes"),
        ("f(uint256[4096][4096])", .tooComplex, "takes more than"),
    ])
    func rejects(input: String, code: SignatureError.Code, reason: String) {
        #expect {
            _ = try FunctionSignature(parsing: input)
        } throws: { error in
            guard let error = error as? SignatureError else { return false }
            return error.code == code && error.description.contains(reason)
        }
    }

    @Test func reportsWhereTheProblemIs() {
        let error = #expect(throws: SignatureError.self) { _ = try FunctionSignature(parsing: "f(uint256 a, uint0x b)") }
        #expect(error?.code == .unknownType)
        #expect(error?.position == 14)
        #expect(error?.description == "invalid function signature at character 14: unknown type \"uint0x\": give the ABI type (address for contracts and interfaces, uint8 for enums, a tuple for structs)")
    }

    @Test func limitsNesting() throws {
        let deepTuple = "f(" + String(repeating: "(", count: 40) + "uint256" + String(repeating: ")", count: 40) + ")"
        #expect(throws: SignatureError.self) { _ = try FunctionSignature(parsing: deepTuple) }
        let deepArray = "f(uint256" + String(repeating: "[]", count: 40) + ")"
        #expect(throws: SignatureError.self) { _ = try FunctionSignature(parsing: deepArray) }
        let mixed = "f(" + String(repeating: "(", count: 20) + "uint256" + String(repeating: ")[]", count: 20) + ")"
        #expect(throws: SignatureError.self) { _ = try FunctionSignature(parsing: mixed) }
        let fine = "f(" + String(repeating: "(", count: 10) + "uint256[]" + String(repeating: ")[2]", count: 10) + ")"
        _ = try FunctionSignature(parsing: fine)
        let longest = "f(uint256" + String(repeating: "[]", count: 32) + ")"
        _ = try FunctionSignature(parsing: longest)
    }
}
