import Foundation

/// Where the repository is checked out, found from a source file's path.
public enum RepositoryRoot {
    /// The nearest directory above `filePath` that holds `Package.swift`.
    public static func locate(from filePath: String = #filePath) throws(DevProcessError) -> URL {
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory.deleteLastPathComponent()
        }
        throw DevProcessError("could not find Package.swift above \(filePath)")
    }

    /// The project's virtualenv interpreter, which `scripts/devchain-setup` creates.
    static func python() throws(DevProcessError) -> URL {
        let python = try locate().appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw DevProcessError(
                "\(python.path) is missing: run scripts/devchain-setup to create the local chain's virtualenv")
        }
        return python
    }
}

/// A helper process that could not be started or did not become ready.
public struct DevProcessError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
