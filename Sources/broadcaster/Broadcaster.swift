import ArgumentParser

@main
struct Broadcaster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Signs EVM transactions and broadcasts them, reliably.",
        subcommands: [SignCommand.self, WorkerCommand.self, APICommand.self, AdminCommand.self, AdminHashPasswordCommand.self, MigrateCommand.self]
    )

    static func main() async {
        MallocArenas.limit()
        await main(nil)
    }
}
