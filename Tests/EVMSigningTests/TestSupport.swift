import EVMPrimitives
import EVMSigning

/// The key of the EIP-155 example: 0x4646…46.
let eip155Key = try! PrivateKey(hex: "0x" + String(repeating: "46", count: 32))

/// secp256k1's group order n, big-endian hex.
let curveOrderHex = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"

func hex(_ text: String) -> [UInt8] {
    try! Hex.decode(text, requirePrefix: false)
}

/// n - value for a 32-byte big-endian value: turns a low s into its high twin.
func curveOrderMinus(_ value: [UInt8]) -> [UInt8] {
    let order = hex(curveOrderHex)
    let value = [UInt8](repeating: 0, count: 32 - value.count) + value
    var result = [UInt8](repeating: 0, count: 32)
    var borrow = 0
    for index in (0..<32).reversed() {
        var digit = Int(order[index]) - Int(value[index]) - borrow
        borrow = digit < 0 ? 1 : 0
        if digit < 0 { digit += 256 }
        result[index] = UInt8(digit)
    }
    return result
}
