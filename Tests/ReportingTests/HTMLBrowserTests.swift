import DPSCore
import Foundation
import Testing
import TestSupport
import Verdicts
@testable import Reporting

/// Debian's chromium and chromium-driver (ci/install-deps.sh), or nil.
enum HeadlessChromium {
    static var tools: (browser: String, driver: String)? {
        guard let browser = ToolProcess.onPath("chromium"), let driver = ToolProcess.onPath("chromedriver") else { return nil }
        return (browser, driver)
    }

    static var available: Bool { tools != nil && InteropPython.interpreter != nil }
}

/// The report page in a real browser (ci/interop/html_report_check.py through selenium): no
/// console errors, the outcome and requirement filters, and the highlighted evidence in a failing
/// case's diagram. Runs when chromium, chromium-driver and .venv-interop are there; with `CI` set
/// it always runs, so a missing browser fails loudly.
@Suite("HTML report in headless Chromium", .serialized,
       .enabled(if: HeadlessChromium.available || ProcessInfo.processInfo.environment["CI"] != nil))
struct HTMLBrowserTests {
    struct Findings: Decodable {
        var ok: Bool
        var failures: [String]
        var cases: Int?
        var bytes: Int?
        var load_seconds: Double?
        var dom_content_loaded_ms: Int?
    }

    static func check(_ run: RunResult, _ extra: [String]) async throws -> Findings {
        guard let tools = HeadlessChromium.tools else {
            throw BrowserTestError("chromium or chromedriver missing: run ci/install-deps.sh")
        }
        guard let python = InteropPython.interpreter else { throw BrowserTestError(InteropPython.missing) }
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("report.html")
        try Data(HTMLReport.render(run).utf8).write(to: page)
        let result = try await ToolProcess.runAsync(python, [Checkout.url("ci/interop/html_report_check.py").path, page.path,
                                                  "--chromium", tools.browser, "--chromedriver", tools.driver] + extra)
        guard let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let findings = try? JSONDecoder().decode(Findings.self, from: Data(line.utf8)) else {
            throw BrowserTestError("html_report_check.py printed no findings (status \(result.status)):\n\(result.output)")
        }
        #expect(result.status == (findings.ok ? 0 : 1), "\(result.output)")
        return findings
    }

    @Test func filtersAndDiagramsWorkInTheBrowser() async throws {
        let findings = try await Self.check(Fixture.mixedRun, ["--expect-fail", "1", "--requirement", "DPS-MQTT-SUB-001",
                                                         "--expect-requirement-cases", "4", "--require-failing-case"])
        #expect(findings.ok, "\(findings.failures)")
        #expect(findings.cases == 6)
    }

    /// The thousand-case page opens and filters; how long it took is printed, never asserted.
    @Test func thousandCasePageWorksInTheBrowser() async throws {
        let run = SyntheticRun.run(cases: 1000)
        let failing = SyntheticRun.count(.fail, of: 1000)
        let withRetry = run.cases.filter { $0.verdicts.contains { $0.requirement == .dpsFlowRetry001 } }.count
        let findings = try await Self.check(run, ["--expect-fail", "\(failing)", "--requirement", "DPS-FLOW-RETRY-001",
                                            "--expect-requirement-cases", "\(withRetry)", "--require-failing-case"])
        #expect(findings.ok, "\(findings.failures)")
        #expect(findings.cases == 1000)
        print("1000-case report.html: \(findings.bytes ?? 0) bytes, opened in \(findings.load_seconds ?? -1) s"
              + " (DOMContentLoaded at \(findings.dom_content_loaded_ms ?? -1) ms)")
    }
}

struct BrowserTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
