import AdminAccess
import ArgumentParser
import BroadcasterConfig
import Foundation

/// `broadcaster admin-hash-password`: the bcrypt hash for an `admin.users.<name>.passwordHash`.
struct AdminHashPasswordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin-hash-password",
        abstract: "Read a dashboard password from stdin and print its bcrypt hash.",
        discussion: """
            One trailing line break is removed. For example
              read -rs PASSWORD && printf %s "$PASSWORD" | broadcaster admin-hash-password
            prints $2b$12$… for admin.users.<name>.passwordHash. The password itself never goes
            into the configuration.
            """
    )

    @Option(help: "bcrypt cost (log2 of the rounds), 10 to 16.")
    var cost: Int = PasswordHashing.defaultCost

    func run() throws {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        do {
            print(try PasswordHashing.hash(PasswordHashing.password(fromInput: input), cost: cost).text)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
