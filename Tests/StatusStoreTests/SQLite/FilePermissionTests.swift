import Foundation
import SQLiteStore
import StatusStore
import Testing

/// The store holds every signed transaction and who sent what to whom: owner-only.
@Suite("Store file permissions")
struct FilePermissionTests {
    @Test func aNewStoreAndItsWALAndSharedMemoryFilesAreOwnerOnly() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("run/status.sqlite").path
            let previous = umask(0o022)  // the usual default: files come out 0644 unless created otherwise
            defer { umask(previous) }
            let store = try SQLiteStatusStore(path: path)
            _ = try await intakeOne(store, makeRequest(), fences: [senderA: try await lease(store, senderA)])
            #expect(store.fileWarnings.isEmpty)
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(try permissions(of: file) == 0o600, "\(file)")
            }
        }
    }

    @Test func anExistingStoreReadableByOthersIsRestrictedWithAWarning() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            let first = try SQLiteStatusStore(path: path)
            let fence = try await lease(first, senderA)
            _ = try await intakeOne(first, makeRequest(), fences: [senderA: fence])
            for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
                #expect(chmod(file, 0o644) == 0)
            }
            let reopened = try SQLiteStatusStore(path: path)
            #expect(reopened.fileWarnings.contains { $0.contains(path) && $0.contains("0644") && $0.contains("0600") }, "\(reopened.fileWarnings)")
            _ = try await intakeOne(reopened, makeRequest(), fences: [senderA: fence], offset: 1)
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(try permissions(of: file) == 0o600, "\(file)")
            }
        }
    }
}

private func permissions(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? Int)
}
