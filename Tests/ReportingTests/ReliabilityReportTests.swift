import Foundation
import Synchronization
import TestSupport
import Testing
import Verdicts
@testable import Reporting

/// Issue 10, finding 8: reports are replaced as a set, and a run stopped by SIGTERM leaves a
/// consistent set marked interrupted and exits 3.
@Suite("Reliability of report writing", .serialized)
struct ReliabilityReportTests {
    private func listing(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test("a set that cannot be written whole leaves the previous set untouched, and no staging behind")
    func allOrNothing() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = ReportWriter(directory: directory)
        try writer.write(Fixture.passingRun, formats: [.junit, .json, .markdown])
        let before = try [ReportFormat.junit, .json, .markdown].map { try Data(contentsOf: writer.url(for: $0)) }
        // The HTML report cannot be replaced (a non-empty directory stands in its place).
        try FileManager.default.createDirectory(at: writer.url(for: .html), withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: writer.url(for: .html).appendingPathComponent("keep"))
        #expect(throws: ReportingError.self) { try writer.write(Fixture.mixedRun) }
        let after = try [ReportFormat.junit, .json, .markdown].map { try Data(contentsOf: writer.url(for: $0)) }
        #expect(after == before)
        #expect(try listing(directory) == ["junit.xml", "report.html", "report.json", "summary.md"])
    }

    @Test("staging left by a writer that died, and old temporary files, are cleared by the next write")
    func abandonedStagingIsRemoved() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A process that has ended: its PID names no live process (or a reused one, then it is kept).
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let abandoned = directory.appendingPathComponent("\(ReportWriter.stagingPrefix)\(ended.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: abandoned, withIntermediateDirectories: false)
        try Data("half".utf8).write(to: abandoned.appendingPathComponent("junit.xml"))
        try Data("half".utf8).write(to: directory.appendingPathComponent(".junit.xml.\(UUID().uuidString).tmp"))
        try ReportWriter(directory: directory).write(Fixture.mixedRun)
        let names = try listing(directory)
        #expect(names.filter { $0.hasPrefix(".") && !$0.contains("\(ended.processIdentifier)") }.isEmpty, "\(names)")
        #expect(names.filter { !$0.hasPrefix(".") } == ["junit.xml", "report.html", "report.json", "summary.md"])
    }

    @Test("an interrupted run exits 3 and says so in every report")
    func interruptedRunIsMarked() throws {
        var run = Fixture.passingRun
        run.properties[RunProperty.interrupted] = "SIGTERM after 3 of 10 cases"
        let summary = RunSummary(run)
        #expect(summary.exitCode == 3)
        #expect(summary.failed)
        #expect(JUnitReport.render(run).contains("SIGTERM after 3 of 10 cases"))
        #expect(MarkdownSummary.render(run).contains("Interrupted"))
        #expect(HTMLReport.render(run).contains("Interrupted"))
        #expect(try JSONReport.decode(try JSONReport.encode(run)).properties[RunProperty.interrupted] == "SIGTERM after 3 of 10 cases")
    }

    // MARK: - dpsconform run, stopped by SIGTERM

    static let root: URL? = FileManager.default.fileExists(atPath: Checkout.url("Scenarios").path) ? Checkout.root : nil
    static let binary: String? = BuiltTool.dpsconform?.path

    /// Standard output gathered as it comes.
    final class Output: Sendable {
        private let text = Mutex("")
        func append(_ data: Data) { text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        var snapshot: String { text.withLock { $0 } }
    }

    @Test("SIGTERM during 'dpsconform run': exit 3, a whole new report set of the finished cases marked interrupted",
          .enabled(if: binary != nil && root != nil), .timeLimit(.minutes(3)))
    func sigtermDuringRun() async throws {
        let root = try #require(Self.root)
        let reports = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: reports) }
        // The previous run's set, which must be replaced whole.
        for name in ["junit.xml", "report.json", "report.html", "summary.md"] {
            try Data("previous run\n".utf8).write(to: reports.appendingPathComponent(name))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.binary))
        process.arguments = ["run", root.appendingPathComponent("Scenarios").path, "--reports", reports.path]
        process.currentDirectoryURL = root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let output = Output()
        pipe.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.interrupt(); kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 150, execute: watchdog)
        defer { watchdog.cancel() }
        // The first case's line arrives while the run goes on (written per case, not buffered to the end).
        let waitStart = ContinuousClock.now
        while !output.snapshot.contains("\n"), process.isRunning, ContinuousClock.now - waitStart < .seconds(90) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(output.snapshot.contains("\n"), "no case line on standard output before the run ended")
        let stopped = ContinuousClock.now
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        pipe.fileHandleForReading.readabilityHandler = nil
        #expect(ContinuousClock.now - stopped < .seconds(30), "the run took \(ContinuousClock.now - stopped) to stop")
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 3, "\(output.snapshot)")

        // One consistent set: every report is new, all four describe the same cases.
        #expect(try listing(reports) == ["junit.xml", "report.html", "report.json", "summary.md"])
        let json = try JSONReport.decode(try Data(contentsOf: reports.appendingPathComponent("report.json")))
        let interrupted = try #require(json.properties[RunProperty.interrupted])
        #expect(interrupted.hasPrefix("SIGTERM after \(json.cases.count) of "))
        #expect(!json.cases.isEmpty)
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        #expect(junit.contains("tests=\"\(json.cases.count)\""))
        #expect(junit.contains(interrupted))
        #expect(try String(contentsOf: reports.appendingPathComponent("summary.md"), encoding: .utf8).contains("Interrupted"))
        #expect(try String(contentsOf: reports.appendingPathComponent("report.html"), encoding: .utf8).contains(interrupted))
        for name in ["junit.xml", "report.json", "report.html", "summary.md"] {
            #expect(try String(contentsOf: reports.appendingPathComponent(name), encoding: .utf8) != "previous run\n", "\(name) is the old one")
        }
    }
}
