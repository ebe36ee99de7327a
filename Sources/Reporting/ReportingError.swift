/// The one error type of the Reporting module.
///
/// Callers match on ``code`` (stable across releases); ``reason`` is for humans and names the
/// file, directory or JSON field at fault.
public struct ReportingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable identifiers of every failure the Reporting module reports.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The report directory does not exist and could not be created (or is not a directory).
        case directoryNotCreated = "DIRECTORY_NOT_CREATED"
        /// A report file could not be written, flushed or moved into place.
        case fileNotWritten = "FILE_NOT_WRITTEN"
        /// A run could not be turned into the JSON report.
        case jsonNotEncoded = "JSON_NOT_ENCODED"
        /// A JSON report could not be read back (not JSON, wrong shape, bad date).
        case jsonNotDecoded = "JSON_NOT_DECODED"
    }

    /// What went wrong, stable for matching.
    public let code: Code
    /// Human explanation naming the path or field at fault.
    public let reason: String
    /// The file or directory concerned, when the failure is about one.
    public let path: String?
    /// Where the error was raised, for diagnosis.
    public let location: String

    init(_ code: Code, _ reason: String, path: String? = nil, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.path = path
        self.location = "\(fileID):\(line)"
    }

    /// `CODE: reason`, for logs and the console.
    public var description: String {
        "\(code.rawValue): \(reason)"
    }
}
