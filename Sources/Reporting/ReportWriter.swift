import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Verdicts

/// A report file that was written.
public struct WrittenReport: Sendable, Hashable {
    /// Which report it is.
    public let format: ReportFormat
    /// Where it now is, complete.
    public let url: URL
}

/// Writes a run's reports into one directory (e.g. `Reports/`), creating it if needed, as a set:
/// every file is first written complete (and flushed to disk) into a hidden staging directory
/// inside the report directory, and only then are the files moved into place, one rename(2)
/// each, with nothing between them that can fail. A run that stops while its reports are being
/// made (a crash, a full disk, SIGKILL) leaves the previous set untouched; the staging directory
/// it leaves behind is removed by the next writer once its process is gone. Only a hard kill
/// during the few microseconds of the renames could mix the sets; `dpsconform run` defers
/// SIGINT and SIGTERM past them.
public struct ReportWriter: Sendable {
    /// Where the files go.
    public var directory: URL
    /// File names per format; formats not listed use ``ReportFormat/defaultFileName``.
    public var fileNames: [ReportFormat: String]
    /// The requirement catalogue: levels in JUnit failure messages, level, statement and source
    /// next to requirement IDs in the HTML report.
    public var requirements: [Requirement]
    /// Whether the set also holds `junit-strict.xml` (``ReportFormat/junitStrict``).
    public var junitStrict: Bool

    /// Prefix of the staging directories, followed by the writer's process ID and a UUID.
    public static let stagingPrefix = ".dpsconform-staging-"

    public init(directory: URL, fileNames: [ReportFormat: String] = [:], requirements: [Requirement] = [], junitStrict: Bool = false) {
        self.directory = directory
        self.fileNames = fileNames
        self.requirements = requirements
        self.junitStrict = junitStrict
    }

    /// What ``write(_:formats:)`` writes when not told: the standard set, plus the strict JUnit
    /// report when ``junitStrict`` is set.
    public var defaultFormats: [ReportFormat] {
        ReportFormat.standard + (junitStrict ? [.junitStrict] : [])
    }

    /// The path a format is written to.
    public func url(for format: ReportFormat) -> URL {
        directory.appendingPathComponent(fileNames[format] ?? format.defaultFileName)
    }

    /// Writes `formats` of `run` (``defaultFormats`` when nil), in ``ReportFormat`` order, and
    /// returns what was written. Nothing is moved into place unless every file could be made;
    /// then all of them are.
    @discardableResult
    public func write(_ run: RunResult, formats: [ReportFormat]? = nil) throws(ReportingError) -> [WrittenReport] {
        let formats = formats ?? defaultFormats
        try createDirectory()
        removeAbandonedStaging()
        let staging = directory.appendingPathComponent("\(Self.stagingPrefix)\(getpid())-\(UUID().uuidString)")
        guard mkdir(staging.path, 0o755) == 0 else {
            throw ReportingError(.directoryNotCreated, "cannot create staging directory \(staging.path): \(String(cString: strerror(errno)))",
                                 path: staging.path)
        }
        defer { try? FileManager.default.removeItem(at: staging) }
        var staged: [(report: WrittenReport, file: URL)] = []
        for format in ReportFormat.allCases where formats.contains(format) {
            let target = url(for: format)
            let file = staging.appendingPathComponent(target.lastPathComponent)
            try AtomicFile.store(try render(run, as: format), at: file)
            staged.append((WrittenReport(format: format, url: target), file))
        }
        for item in staged {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: item.report.url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ReportingError(.fileNotWritten, "cannot write report \(item.report.url.path): a directory is in the way", path: item.report.url.path)
            }
        }
        for item in staged {
            guard rename(item.file.path, item.report.url.path) == 0 else {
                throw ReportingError(.fileNotWritten, "cannot move report into place \(item.report.url.path): \(String(cString: strerror(errno)))",
                                     path: item.report.url.path)
            }
        }
        AtomicFile.syncDirectory(directory.path)
        return staged.map(\.report)
    }

    /// Staging directories of writers that are no longer running (killed while writing), and
    /// temporary files of the single-file scheme used before report sets.
    private func removeAbandonedStaging() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let reportNames = Set(ReportFormat.allCases.map { url(for: $0).lastPathComponent })
        for name in names {
            if name.hasPrefix(Self.stagingPrefix) {
                let owner = name.dropFirst(Self.stagingPrefix.count).split(separator: "-").first.flatMap { Int32($0) }
                if let owner, owner != getpid(), kill(owner, 0) == 0 || errno == EPERM { continue }
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            } else if name.hasPrefix("."), name.hasSuffix(".tmp"),
                      reportNames.contains(where: { name.hasPrefix(".\($0).") }) {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            }
        }
    }

    /// The bytes of one report.
    public func render(_ run: RunResult, as format: ReportFormat) throws(ReportingError) -> Data {
        switch format {
        case .junit: Data(JUnitReport.render(run, requirements: requirements).utf8)
        case .junitStrict: Data(JUnitReport.renderStrict(run, requirements: requirements).utf8)
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
