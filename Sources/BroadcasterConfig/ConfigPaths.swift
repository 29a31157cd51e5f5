import Configuration
import Foundation

/// Where the relative paths of a configuration resolve: a value from the configuration file
/// against the file's folder (so the documented file works from any directory), a value from
/// the environment against the working directory, as a shell user expects.
///
/// ```swift
/// let paths = ConfigPaths(configFile: "/etc/broadcaster/broadcaster.json", environment: environmentReader)
/// paths.resolve("keys/dev.key", key: ["signers", "dev", "keyFile"])  // "/etc/broadcaster/keys/dev.key"
/// ```
public struct ConfigPaths: Sendable {
    /// The folder of the configuration file; nil when there is none.
    let fileDirectory: String?
    /// The providers that override the file; a key they set is not the file's.
    let overrides: ConfigReader?

    /// Every path as given, relative ones against the working directory.
    public static let workingDirectory = ConfigPaths(fileDirectory: nil, overrides: nil)

    public init(configFile: String, overrides: ConfigReader) {
        let absolute = URL(fileURLWithPath: configFile).standardizedFileURL
        fileDirectory = absolute.deletingLastPathComponent().path
        self.overrides = overrides
    }

    private init(fileDirectory: String?, overrides: ConfigReader?) {
        self.fileDirectory = fileDirectory
        self.overrides = overrides
    }

    /// `path` as configured under `key`, made absolute against the file's folder when the file
    /// gave it; absolute paths and values from the environment are returned unchanged.
    public func resolve(_ path: String, key: [String]) -> String {
        guard let fileDirectory, !path.hasPrefix("/") else { return path }
        if let overrides, SettingsReader(overrides).isSet(key.joined(separator: ".")) { return path }
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: fileDirectory, isDirectory: true))
            .standardizedFileURL.path
    }
}
