/// The least gas a transaction must be given before it runs a single instruction: what a node
/// checks on submission ("intrinsic gas too low", "insufficient gas for floor data gas cost").
///
/// A call costs 21,000, plus 16 per non-zero and 4 per zero calldata byte (EIP-2028), and since
/// Prague it must also cover the calldata floor of EIP-7623: 21,000 + 10 per token, where a
/// zero byte is one token and a non-zero byte four. A transaction given less can never be
/// mined, so it must be refused before it takes a nonce.
///
/// ```swift
/// IntrinsicGas.forCall(data: Calldata([0, 1])).value  // 21_020 (floor 21_050): 21_050
/// ```
public enum IntrinsicGas {
    public static let transactionBase: UInt64 = 21_000
    public static let zeroByte: UInt64 = 4
    public static let nonZeroByte: UInt64 = 16
    /// EIP-7623: gas per calldata token in the floor.
    public static let floorPerToken: UInt64 = 10

    /// The larger of the standard intrinsic gas and the EIP-7623 floor for a call (not a
    /// creation, no access list) with `data`.
    public static func forCall(data: Calldata) -> Gas {
        let counts = byteCounts(data.bytes)
        let standard = transactionBase + counts.zero * zeroByte + counts.nonZero * nonZeroByte
        let tokens = counts.zero + counts.nonZero * 4
        let floor = transactionBase + tokens * floorPerToken
        return Gas(max(standard, floor))
    }

    private static func byteCounts(_ bytes: [UInt8]) -> (zero: UInt64, nonZero: UInt64) {
        // Calldata is bounded by memory; a count of bytes always fits in UInt64.
        let zero = UInt64(bytes.lazy.filter { $0 == 0 }.count)
        return (zero, UInt64(bytes.count) - zero)
    }
}
