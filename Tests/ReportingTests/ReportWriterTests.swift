import Foundation
import Testing
import Verdicts
@testable import Reporting

@Suite("Report writer")
struct ReportWriterTests {
    private func listing(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test func writesEveryFormatIntoANewDirectory() throws {
        let base = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: base) }
        let directory = base.appendingPathComponent("nested/Reports")
        let written = try ReportWriter(directory: directory).write(Fixture.mixedRun)
        #expect(written.map(\.format) == [.junit, .json, .html, .markdown])
        #expect(written.map(\.url.lastPathComponent) == ["junit.xml", "report.json", "report.html", "summary.md"])
        #expect(try listing(directory) == ["junit.xml", "report.html", "report.json", "summary.md"])
        let junit = try String(contentsOf: directory.appendingPathComponent("junit.xml"), encoding: .utf8)
        #expect(junit == JUnitReport.render(Fixture.mixedRun))
        let json = try Data(contentsOf: directory.appendingPathComponent("report.json"))
        #expect(try JSONReport.decode(json) == Fixture.mixedRun)
        let markdown = try String(contentsOf: directory.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(markdown == MarkdownSummary.render(Fixture.mixedRun))
    }

    @Test func replacesAnOldReportWhole() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = Data(String(repeating: "old report ", count: 100_000).utf8)
        try old.write(to: directory.appendingPathComponent("summary.md"))
        try ReportWriter(directory: directory).write(Fixture.emptyRun, formats: [.markdown])
        let now = try String(contentsOf: directory.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(now == MarkdownSummary.render(Fixture.emptyRun))
        #expect(try listing(directory) == ["summary.md"])
    }

    @Test func chosenFormatsAndNames() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = ReportWriter(directory: directory, fileNames: [.junit: "TEST-dpsconform.xml"])
        let written = try writer.write(Fixture.passingRun, formats: [.markdown, .junit])
        #expect(written.map(\.url.lastPathComponent) == ["TEST-dpsconform.xml", "summary.md"])
        #expect(try listing(directory) == ["TEST-dpsconform.xml", "summary.md"])
    }

    @Test func directoryUnderAFileIsATypedError() throws {
        let base = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: base) }
        let file = base.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        let directory = file.appendingPathComponent("Reports")
        let error = #expect(throws: ReportingError.self) {
            try ReportWriter(directory: directory).write(Fixture.mixedRun)
        }
        #expect(error?.code == .directoryNotCreated)
        #expect(error?.path == directory.path)
        let onFile = #expect(throws: ReportingError.self) {
            try ReportWriter(directory: file).write(Fixture.mixedRun)
        }
        #expect(onFile?.code == .directoryNotCreated)
        #expect(onFile?.path == file.path)
    }

    @Test func failedWriteNamesTheFileAndLeavesNoTemporaryFile() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A non-empty directory where the report should go: rename(2) cannot replace it.
        let blocker = directory.appendingPathComponent("report.json")
        try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: blocker.appendingPathComponent("keep"))
        let error = #expect(throws: ReportingError.self) {
            try ReportWriter(directory: directory).write(Fixture.mixedRun)
        }
        #expect(error?.code == .fileNotWritten)
        #expect(error?.path == blocker.path)
        // Reports are replaced as a set: none of them is moved into place when one cannot be.
        #expect(try listing(directory) == ["report.json"])
        #expect(try listing(blocker) == ["keep"])
    }
}
