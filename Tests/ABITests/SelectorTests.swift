import ABI
import EVMPrimitives
import Testing

@Suite struct SelectorTests {
    @Test(arguments: [
        // Not 0xd7136328, the first 4 bytes of the mission's example data (eth_utils agrees).
        ("add_weight(address _addr, uint256 _weight)", "0x1c41742f"),
        ("transfer(address to, uint256 amount)", "0xa9059cbb"),
        ("approve(address,uint)", "0x095ea7b3"),
        ("balanceOf(address owner)", "0x70a08231"),
        // Solidity ABI specification examples.
        ("baz(uint32 x, bool y)", "0xcdcd77c0"),
        ("bar(bytes3[2])", "0xfce353f6"),
        ("sam(bytes memory, bool, uint[] memory)", "0xa5643bf2"),
        ("f(uint,uint32[],bytes10,bytes)", "0x8be65246"),
        ("g(uint[][],string[])", "0x2289b18c"),
    ])
    func matchesPublishedSelectors(signature: String, selector: String) throws {
        #expect(try FunctionSignature(parsing: signature).selectorHex == selector)
    }
}
