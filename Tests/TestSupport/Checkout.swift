import Foundation

/// Where the tests find the repository and the built tool: written once for every test target.
public enum Checkout {
    /// The checkout's root: the first directory above this file holding Package.swift and Vectors/.
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let manager = FileManager.default
        while url.path != "/" {
            if manager.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
               manager.fileExists(atPath: url.appendingPathComponent("Vectors").path) {
                return url
            }
            url.deleteLastPathComponent()
        }
        return url
    }()

    /// A path inside the checkout.
    public static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }
}

/// The built `dpsconform` executable the end-to-end tests run.
public enum BuiltTool {
    /// `$DPSCONFORM_BIN`, else the executable beside the test bundle, else `.build/debug/dpsconform`;
    /// nil when none is there (the test then says to run `swift build`).
    public static var dpsconform: URL? {
        let manager = FileManager.default
        if let path = ProcessInfo.processInfo.environment["DPSCONFORM_BIN"], manager.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent(), Checkout.url(".build/debug")] {
            let url = candidate.appendingPathComponent("dpsconform")
            if manager.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Says what is missing when the tool is not built.
    public static var missing: String {
        "dpsconform executable not found; run 'swift build' first or set DPSCONFORM_BIN"
    }
}

/// Input files the tests write.
public enum TemporaryFiles {
    /// Writes `text` to `name` in a fresh temporary directory and returns the file's path.
    public static func write(_ text: String, name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }
}
