@testable import EVMKeys
import Dispatch
import EVMPrimitives
import EVMSigning
import Foundation
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What may hold a key: only regular files, read in bounded time and size; files others can
/// read are loaded with a warning that reaches the log.
struct KeyFileTests {
    private let key = Fixture.generatedKeyHex

    private func failure(_ source: KeySource) -> KeyLoadError? {
        #expect(throws: KeyLoadError.self) { try source.loadReportingWarnings() }
    }

    // MARK: Only regular files

    /// A FIFO nobody writes to blocked start-up forever. If loading does block, the test opens
    /// and closes the FIFO's write end itself so that it ends, and fails.
    @Test func fifoIsRefusedWithoutBlocking() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/key.fifo"
        try #require(mkfifo(path, 0o600) == 0)

        let finished = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        DispatchQueue.global().async {
            do {
                _ = try KeySource.hexFile(path: path).loadReportingWarnings()
                outcome.set(nil)
            } catch {
                outcome.set(error)
            }
            finished.signal()
        }
        if finished.wait(timeout: .now() + 30) == .timedOut {
            Issue.record("loading a key from a FIFO blocked")
            let writer = open(path, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
            finished.wait()
        }
        let error = try #require(outcome.value)
        #expect(error.code == .unreadableFile)
        #expect(
            error.description
                == "cannot read key file \(path): is a FIFO (named pipe), not a regular file; point the setting at the file holding the secret"
        )
    }

    /// /dev/zero never ends; a character device is refused before reading.
    @Test func deviceIsRefused() throws {
        let error = try #require(failure(.keystore(path: "/dev/zero", passwordFile: "/dev/null")))
        #expect(error.code == .unreadableFile)
        #expect(
            error.description
                == "cannot read keystore file /dev/zero: is a character device, not a regular file; point the setting at the file holding the secret"
        )
    }

    @Test func oversizedFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("key", String(repeating: " ", count: SecretFile.maximumSize + 1) + key)
        let error = try #require(failure(.hexFile(path: path)))
        #expect(error.code == .unreadableFile)
        #expect(error.description == "cannot read key file \(path): larger than 65536 bytes, so it is not a key file")
        let limit = try directory.file("limit", String(repeating: " ", count: SecretFile.maximumSize - 64) + key)
        #expect(try KeySource.hexFile(path: limit).loadReportingWarnings().key.address.checksummed == Fixture.generatedAddress)
    }

    // MARK: Files others can read

    @Test(arguments: [
        (0o640, "readable by its group"),
        (0o604, "readable by every user on this host"),
        (0o644, "readable by its group and by every user on this host"),
        (0o620, "writable by its group"),
        (0o664, "readable by its group and by every user on this host and writable by its group"),
    ])
    func exposedFileLoadsWithAWarning(mode: Int, exposure: String) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("key", key, mode: mode)
        let loaded = try KeySource.hexFile(path: path).loadReportingWarnings()
        #expect(loaded.key.address.checksummed == Fixture.generatedAddress)
        #expect(
            loaded.warnings == [
                KeySourceWarning(
                    path: path,
                    description: "key file \(path) is \(exposure) (mode 0\(String(mode, radix: 8))), which exposes the signing key to them; run `chmod 600 \(path)` (on Kubernetes, set the secret volume's defaultMode to 0400)"
                )
            ]
        )
    }

    @Test(arguments: [0o600, 0o400, 0o700])
    func privateFileHasNoWarning(mode: Int) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("key", key, mode: mode)
        #expect(try KeySource.hexFile(path: path).loadReportingWarnings().warnings.isEmpty)
    }

    @Test func keystoreAndPasswordFileAreEachChecked() throws {
        let directory = try TemporaryDirectory()
        let keystore = try directory.file("keystore.json", Fixture.text("ea-pbkdf2-c1000"), mode: 0o644)
        let password = try directory.file("password", "correct horse\n", mode: 0o640)
        let loaded = try KeySource.keystore(path: keystore, passwordFile: password).loadReportingWarnings()
        #expect(loaded.key.address.checksummed == Fixture.generatedAddress)
        #expect(loaded.warnings.map(\.path) == [keystore, password])
        #expect(loaded.warnings.first?.description.hasPrefix("keystore file \(keystore) is readable by its group and by every user") == true)
        #expect(loaded.warnings.last?.description.hasPrefix("password file \(password) is readable by its group (mode 0640)") == true)
    }

    /// `load(logger:)`, which the worker calls, puts each warning in the log at warning level.
    @Test func loadLogsTheWarnings() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("key", key, mode: 0o644)
        let records = LogRecords()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(records: records) }
        let loaded = try KeySource.hexFile(path: path).load(logger: logger)
        #expect(loaded.address.checksummed == Fixture.generatedAddress)
        let logged = records.all
        #expect(logged.count == 1)
        #expect(logged.first?.level == .warning)
        #expect(logged.first?.message.hasPrefix("key file \(path) is readable by its group and by every user on this host") == true)
        #expect(logged.first?.metadata["key_source"] == "key file \(path)")
        #expect(logged.allSatisfy { !$0.message.lowercased().contains(key) })

        let quiet = try directory.file("quiet", key)
        _ = try KeySource.hexFile(path: quiet).load(logger: logger)
        #expect(records.all.count == 1)
    }
}

/// The result of a load run on another thread.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var error: KeyLoadError?

    func set(_ error: (any Error)?) {
        lock.withLock { self.error = error as? KeyLoadError }
    }

    var value: KeyLoadError? { lock.withLock { error } }
}

final class LogRecords: @unchecked Sendable {
    struct Record {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let lock = NSLock()
    private var records: [Record] = []

    func append(_ record: Record) { lock.withLock { records.append(record) } }
    var all: [Record] { lock.withLock { records } }
}

struct CapturingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        records.append(
            LogRecords.Record(
                level: event.level, message: "\(event.message)",
                metadata: (event.metadata ?? [:]).mapValues { "\($0)" }
            )
        )
    }
}
