import Foundation
import Verdicts

/// A report file that was written.
public struct WrittenReport: Sendable, Hashable {
    /// Which report it is.
    public let format: ReportFormat
    /// Where it now is, complete.
    public let url: URL
}

/// Writes a run's reports into one directory (e.g. `Reports/`), creating it if needed. Each file
/// is written atomically, so a crash or a full disk never leaves a half report behind.
public struct ReportWriter: Sendable {
    /// Where the files go.
    public var directory: URL
    /// File names per format; formats not listed use ``ReportFormat/defaultFileName``.
    public var fileNames: [ReportFormat: String]
    /// The requirement catalogue, shown next to requirement IDs in the HTML report.
    public var requirements: [Requirement]

    public init(directory: URL, fileNames: [ReportFormat: String] = [:], requirements: [Requirement] = []) {
        self.directory = directory
        self.fileNames = fileNames
        self.requirements = requirements
    }

    /// The path a format is written to.
    public func url(for format: ReportFormat) -> URL {
        directory.appendingPathComponent(fileNames[format] ?? format.defaultFileName)
    }

    /// Writes `formats` of `run`, in ``ReportFormat`` order, and returns what was written. Stops at
    /// the first file that cannot be written (files written before it stay, each complete).
    @discardableResult
    public func write(_ run: RunResult, formats: [ReportFormat] = ReportFormat.allCases) throws(ReportingError) -> [WrittenReport] {
        try createDirectory()
        var written: [WrittenReport] = []
        for format in ReportFormat.allCases where formats.contains(format) {
            let target = url(for: format)
            try AtomicFile.store(try render(run, as: format), at: target)
            written.append(WrittenReport(format: format, url: target))
        }
        return written
    }

    /// The bytes of one report.
    public func render(_ run: RunResult, as format: ReportFormat) throws(ReportingError) -> Data {
        switch format {
        case .junit: Data(JUnitReport.render(run).utf8)
        case .json: try JSONReport.encode(run)
        case .html: Data(HTMLReport.render(run, requirements: requirements).utf8)
        case .markdown: Data(MarkdownSummary.render(run).utf8)
        }
    }

    private func createDirectory() throws(ReportingError) {
        let path = directory.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ReportingError(.directoryNotCreated, "report directory \(path) exists but is not a directory", path: path)
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportingError(.directoryNotCreated, "cannot create report directory \(path): \(error.localizedDescription)", path: path)
        }
    }
}
