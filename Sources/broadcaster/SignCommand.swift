import ArgumentParser
import EVMKeys
import EVMPrimitives
import EVMSigning
import Foundation

/// `broadcaster sign`: signs one JSON transaction object read from stdin.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign one transaction object read from stdin and print the raw transaction.",
        discussion: """
            Reads a JSON-RPC style transaction object, for example
              {"chainId":"0x1","nonce":"0x0","to":"0x…","value":"0x0","gas":"0x5208",
               "maxFeePerGas":"0x…","maxPriorityFeePerGas":"0x…"}
            and prints {"raw":"0x…","hash":"0x…","from":"0x…"} on one line.
            """
    )

    @Option(name: .customLong("key-file"), help: "File holding the 0x-hex private key.")
    var keyFile: String?

    @Option(help: "Web3 v3 keystore (JSON) file.")
    var keystore: String?

    @Option(name: .customLong("password-file"), help: "File holding the keystore password.")
    var passwordFile: String?

    func validate() throws {
        switch (keyFile, keystore, passwordFile) {
        case (_?, nil, nil), (nil, _?, _?):
            return
        case (nil, nil, _):
            throw ValidationError("give --key-file PATH, or --keystore PATH with --password-file PATH")
        case (nil, _?, nil):
            throw ValidationError("--keystore needs --password-file PATH")
        default:
            throw ValidationError("--key-file cannot be combined with --keystore or --password-file")
        }
    }

    func run() throws {
        do {
            let transaction = try UnsignedTransaction(json: FileHandle.standardInput.readDataToEndOfFile())
            let signed = try Signer(key: keySource.load()).sign(transaction)
            print(#"{"raw":"\#(Hex.encode(signed.raw))","hash":"\#(Hex.encode(signed.hash.bytes))","from":"\#(signed.from.checksummed)"}"#)
        } catch {
            // Every error type reaching here describes itself without key material.
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The key source the options name; `validate()` guarantees exactly one.
    private var keySource: KeySource {
        if let keystore, let passwordFile {
            return .keystore(path: keystore, passwordFile: passwordFile)
        }
        return .hexFile(path: keyFile ?? "")
    }
}
