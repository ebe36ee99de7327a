import Testing
@testable import ScenarioEngine

/// The scenario file a case reports (JUnit `file`, report.json `file`).
@Suite("Scenario file as reported")
struct ReportedPathTests {
    @Test(arguments: [
        ("/work/repo/Scenarios/a.yaml", "/work/repo", "Scenarios/a.yaml"),
        ("/work/repo/Scenarios/a.yaml", "/work/repo/", "Scenarios/a.yaml"),
        ("/work/repo/./Scenarios/../Scenarios/a.yaml", "/work/repo", "Scenarios/a.yaml"),
        ("/elsewhere/a.yaml", "/work/repo", "/elsewhere/a.yaml"),
        ("/work/repository/a.yaml", "/work/repo", "/work/repository/a.yaml"),
        ("Scenarios/b.yaml", "/", "Scenarios/b.yaml"),
    ])
    func relativeInsideTheCurrentDirectoryOnly(path: String, directory: String, reported: String) {
        #expect(ScenarioRunner.reportedPath(path, currentDirectory: directory) == reported)
    }
}
