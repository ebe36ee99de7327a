import Foundation

/// A command-line program the tests need, with the Debian package that provides it.
struct ExternalTool {
    let name: String
    let aptPackage: String

    static let broker = ExternalTool(name: "mosquitto", aptPackage: "mosquitto")
    static let passwordFileTool = ExternalTool(name: "mosquitto_passwd", aptPackage: "mosquitto")
    static let openssl = ExternalTool(name: "openssl", aptPackage: "openssl")

    /// The executable's path; fails with the apt package to install when it is missing.
    func path() throws -> String {
        let searchPath = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        // The broker lives in /usr/sbin, which is often not on a normal user's PATH.
        for directory in searchPath + ["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"] {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw FixtureError("'\(name)' not found: install it with `apt-get install -y \(aptPackage)`")
    }

    /// Runs the tool to completion; throws with its output when it fails.
    @discardableResult
    func run(_ arguments: [String], in directory: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path())
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw FixtureError("\(name) \(arguments.first ?? "") exited with \(process.terminationStatus): \(text)")
        }
        return text
    }
}

/// A failure of the test fixture itself (missing tool, broker that does not start, ...).
struct FixtureError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
