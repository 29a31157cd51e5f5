import CSecp256k1

/// The one libsecp256k1 context of the process, created and randomized once.
///
/// libsecp256k1 documents a context as safe to use from several threads at once once it has
/// been created and randomized, because every later call takes it as `const`; only
/// `secp256k1_context_randomize` mutates it, and that runs here in `init`, before the
/// instance is published. That is why this class may be `@unchecked Sendable`.
final class Secp256k1Context: @unchecked Sendable {
    static let shared = Secp256k1Context()

    private let context: OpaquePointer

    private init() {
        guard let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            fatalError("libsecp256k1 could not allocate a context")
        }
        // Randomization blinds the signing computation against side channels.
        var generator = SystemRandomNumberGenerator()
        let seed = (0..<4).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64, Array.init) }
        guard secp256k1_context_randomize(context, seed) == 1 else {
            fatalError("libsecp256k1 refused to randomize its context")
        }
        self.context = context
    }

    deinit {
        secp256k1_context_destroy(context)
    }

    /// Runs `body` with the raw context; the pointer must not outlive the call.
    func withContext<Result>(_ body: (OpaquePointer) throws -> Result) rethrows -> Result {
        try body(context)
    }
}
