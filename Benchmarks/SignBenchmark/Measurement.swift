import CSecp256k1
import Foundation

/// Runs `operation` in batches until `seconds` elapse; returns operations per second.
func measureRound(seconds: Double, _ operation: (UInt64) -> Void) -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    let budget = Duration.nanoseconds(Int64(seconds * 1e9))
    var count: UInt64 = 0
    var elapsed = Duration.zero
    // Batches keep clock reads out of the measured cost.
    repeat {
        for _ in 0..<16 {
            operation(count)
            count += 1
        }
        elapsed = clock.now - start
    } while elapsed < budget
    let (wholeSeconds, attoseconds) = elapsed.components
    return Double(count) / (Double(wholeSeconds) + Double(attoseconds) * 1e-18)
}

/// Cases measured against the first one, in rounds that alternate between them so that load
/// from other processes hits all of them alike.
struct Comparison {
    static let rounds = 7

    let title: String
    let unit: String
    /// A name, the units one operation counts for (1 per signature, MB per hash), the operation.
    let cases: [(name: String, scale: Double, operation: (UInt64) -> Void)]

    /// Prints each case's median rate in `unit` with its lowest and highest round and its ratio
    /// to the first case; returns the medians.
    func run(seconds: Double) -> [Double] {
        for entry in cases {
            _ = measureRound(seconds: min(0.5, seconds / Double(Self.rounds)), entry.operation)
        }
        var results = Array(repeating: [Double](), count: cases.count)
        for _ in 0..<Self.rounds {
            for (index, entry) in cases.enumerated() {
                results[index].append(measureRound(seconds: seconds / Double(Self.rounds), entry.operation) * entry.scale)
            }
        }
        let sorted = results.map { $0.sorted() }
        let medians = sorted.map { $0[Self.rounds / 2] }
        print("\(title):")
        for (index, entry) in cases.enumerated() {
            print(row(entry.name, unit: unit, median: medians[index], low: sorted[index][0],
                      high: sorted[index][Self.rounds - 1], baseline: medians[0]))
        }
        return medians
    }
}

/// Bare libsecp256k1 signing with its own randomized context: the ceiling we compare to.
final class RawSecp256k1Signer {
    private let context: OpaquePointer
    private let secretKey: [UInt8]

    init(secretKey: [UInt8]) {
        context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
        var generator = SystemRandomNumberGenerator()
        let seed = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        precondition(secp256k1_context_randomize(context, seed) == 1)
        self.secretKey = secretKey
    }

    deinit { secp256k1_context_destroy(context) }

    /// Signs a 32-byte hash that varies with `counter`; returns one output byte.
    func sign(counter: UInt64) -> UInt8 {
        var hash = [UInt8](repeating: 0xab, count: 32)
        withUnsafeBytes(of: counter) { hash.replaceSubrange(0..<8, with: $0) }
        var signature = secp256k1_ecdsa_recoverable_signature()
        precondition(secp256k1_ecdsa_sign_recoverable(context, &signature, hash, secretKey, nil, nil) == 1)
        var compact = [UInt8](repeating: 0, count: 64)
        var recoveryID: Int32 = 0
        _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(context, &compact, &recoveryID, &signature)
        return compact[63] ^ UInt8(recoveryID)
    }
}

enum BenchmarkOptions {
    /// Timed seconds per case from `--seconds S`; exits with usage on anything else.
    static func parse(_ arguments: ArraySlice<String>) -> Double {
        var seconds = 3.0
        var rest = arguments
        while let argument = rest.popFirst() {
            guard argument == "--seconds", let value = rest.popFirst().flatMap(Double.init), value > 0 else {
                print("usage: sign-benchmark [--seconds S]   (timed seconds per case, default 3)")
                exit(argument == "--help" ? 0 : 2)
            }
            seconds = value
        }
        return seconds
    }
}

func row(_ name: String, unit: String, median: Double, low: Double, high: Double, baseline: Double) -> String {
    let ratio = median / baseline
    return "  " + name.padding(40) + format(median, digits: 0).leftPadding(10) + " \(unit)   (min "
        + format(low, digits: 0) + ", max " + format(high, digits: 0) + ")   ratio " + format(ratio, digits: 3)
}

func format(_ value: Double, digits: Int) -> String {
    let scale = (0..<digits).reduce(1.0) { value, _ in value * 10 }
    let rounded = (value * scale).rounded() / scale
    return digits == 0 ? String(Int(rounded)) : String(rounded)
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    func leftPadding(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
