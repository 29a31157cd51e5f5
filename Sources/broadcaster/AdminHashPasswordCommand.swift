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
        // Browsers send the password as UTF-8: other bytes could never be typed into the login form.
        guard let input = String(validating: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) else {
            FileHandle.standardError.write(Data("error: the password is not UTF-8 text\n".utf8))
            throw ExitCode.failure
        }
        do {
            print(try PasswordHashing.hash(PasswordHashing.password(fromInput: input), cost: cost).text)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
