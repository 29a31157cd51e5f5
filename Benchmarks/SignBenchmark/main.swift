// Measures how close our full signing path comes to bare libsecp256k1 signing, and our
// Keccak-256 to OpenSSL's SHA3-256 (the same permutation), each against its reference in one run.
//
// Usage: sign-benchmark [--seconds S]   (S = timed seconds per case, default 3)
import CSecp256k1
import EVMPrimitives
import EVMSigning

let signingGoal = 0.80
let hashingGoal = 0.90
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

// The two byte strings the 4 KB path hashes: the signing payload and the signed transaction.
let payload4KB = transfer(nonce: 7, data: calldata4KB).signingPayload()
let raw4KB = try signer.sign(transfer(nonce: 7, data: calldata4KB)).raw

let rawSign = RawSecp256k1Signer(secretKey: secretKey)
let signing = Comparison(title: "signing, signatures per second", unit: "ops/s", cases: [
    ("(a) libsecp256k1 sign_recoverable", 1, { i in sink ^= rawSign.sign(counter: i) }),
    ("(b) EIP-1559 transfer, full path", 1, { i in
        let signed = try! signer.sign(transfer(nonce: i, data: Calldata([])))
        sink ^= signed.raw.last! ^ signed.hash.bytes[0]
    }),
    ("(c) EIP-1559 + 4 KB calldata", 1, { i in
        let signed = try! signer.sign(transfer(nonce: i, data: calldata4KB))
        sink ^= signed.raw.last! ^ signed.hash.bytes[0]
    }),
    ("(d) (a) + Keccak of \(payload4KB.count) + \(raw4KB.count) B", 1, { i in
        let signingHash = Keccak256.hash(payload4KB)
        sink ^= rawSign.sign(counter: i ^ UInt64(signingHash[0]))
        sink ^= Keccak256.hash(raw4KB)[0]
    }),
])

// Keccak-256 through its public API (which returns a fresh 32-byte array) against OpenSSL's
// SHA3-256 over the same bytes, at sizes the service hashes: a word, one block, a 4 KB
// transaction, and a long input where only the permutation counts.
let sha3 = OpenSSLSHA3()
let inputs = [32, 136, 4096, 65536].map { count in (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) } }
let hashing = inputs.map { input in
    Comparison(title: "hashing \(input.count) B, bytes per second", unit: "MB/s", cases: [
        ("OpenSSL SHA3-256 (\(input.count) B)", Double(input.count) / 1e6, { _ in
            sink ^= input.withUnsafeBytes { sha3.hash($0) }
        }),
        ("Keccak256.hash (\(input.count) B)", Double(input.count) / 1e6, { _ in
            sink ^= Keccak256.hash(input)[0]
        }),
    ])
}

print("sign-benchmark: \(Comparison.rounds) rounds of \(format(seconds / Double(Comparison.rounds), digits: 2)) s per case, interleaved, after a warm-up")
let signingRates = signing.run(seconds: seconds)
// (c) hashes 4 KB twice by design, so its goal is against (d), which does the same.
print("goals: (b)/(a) = \(format(signingRates[1] / signingRates[0], digits: 3)) (>= \(format(signingGoal, digits: 2))), "
    + "(c)/(d) = \(format(signingRates[2] / signingRates[3], digits: 3)) (>= \(format(hashingGoal, digits: 2)))")
for (input, comparison) in zip(inputs, hashing) {
    let rates = comparison.run(seconds: seconds)
    let microseconds = rates.map { format(Double(input.count) / $0, digits: 2) }
    print("Keccak256 / OpenSSL SHA3-256 = \(format(rates[1] / rates[0], digits: 3)) (goal >= \(format(hashingGoal, digits: 2)));"
        + " one hash: \(microseconds[1]) µs against \(microseconds[0]) µs")
}
print("(sink \(sink))")
