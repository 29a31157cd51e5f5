// Measures how close our full signing path comes to bare libsecp256k1 signing.
//
// Usage: sign-benchmark [--seconds S]   (S = timed seconds per case, default 3)
import CSecp256k1
import EVMPrimitives
import EVMSigning

let goal = 0.80
let rounds = 7
let seconds = BenchmarkOptions.parse(CommandLine.arguments.dropFirst())

let secretKey = [UInt8](repeating: 0, count: 31) + [1]
let signer = Signer(key: try PrivateKey(bytes: secretKey))
let recipient = try Address("0x3535353535353535353535353535353535353535")
let calldata4KB = Calldata((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })

/// Prevents the optimizer from discarding results; printed at the end.
var sink: UInt8 = 0

func transfer(nonce: UInt64, data: Calldata) -> UnsignedTransaction {
    .eip1559(EIP1559Transaction(
        chainID: ChainID(131_277_322_940_537), nonce: Nonce(nonce),
        maxPriorityFeePerGas: .gwei(2), maxFeePerGas: .gwei(90), gas: Gas(200_000),
        to: recipient, value: Wei(1_000_000_000), data: data
    ))
}

let rawSign = RawSecp256k1Signer(secretKey: secretKey)
let cases: [(name: String, operation: (UInt64) -> Void)] = [
    ("(a) libsecp256k1 sign_recoverable", { i in sink ^= rawSign.sign(counter: i) }),
    ("(b) EIP-1559 transfer, full path", { i in
        let signed = try! signer.sign(transfer(nonce: i, data: Calldata([])))
        sink ^= signed.raw.last! ^ signed.hash.bytes[0]
    }),
    ("(c) EIP-1559 + 4 KB calldata", { i in
        let signed = try! signer.sign(transfer(nonce: i, data: calldata4KB))
        sink ^= signed.raw.last! ^ signed.hash.bytes[0]
    }),
]

print("sign-benchmark: \(rounds) rounds of \(format(seconds / Double(rounds), digits: 2)) s per case, interleaved, after a warm-up")
for (_, operation) in cases {
    _ = measureRound(seconds: min(0.5, seconds / Double(rounds)), operation)
}
// Rounds alternate between the cases so load from other processes hits all of them alike.
var results = Array(repeating: [Double](), count: cases.count)
for _ in 0..<rounds {
    for (index, entry) in cases.enumerated() {
        results[index].append(measureRound(seconds: seconds / Double(rounds), entry.operation))
    }
}
let medians = results.map { $0.sorted()[rounds / 2] }
for (index, entry) in cases.enumerated() {
    let sorted = results[index].sorted()
    print(row(entry.name, median: medians[index], low: sorted.first!, high: sorted.last!, baseline: medians[0]))
}
print("goal: (b)/(a) and (c)/(a) >= \(format(goal, digits: 2))  (sink \(sink))")
