import Foundation
import Inputs
import Reporting
import Verdicts

/// What `run` and `report merge` do once a run's cases are known: write the report set, compare
/// with a baseline, apply the coverage rule, and give the exit status.
enum RunEnding {
    /// Writes the reports and prints where; returns the exit status. `baseline` is the earlier
    /// run and the path it was read from; `coverage` is the catalogue when `--require-coverage`
    /// was given. `before` runs after the reports are written and before the baseline lines.
    static func finish(_ result: RunResult, writer: ReportWriter, baseline: (run: RunResult, path: String)?,
                       coverage catalogue: RequirementCatalogue?, before: () -> Void = {}) throws -> Int32 {
        do {
            let written = try writer.write(result)
            Console.line("Reports: " + written.map { $0.url.path }.joined(separator: ", "))
        } catch {
            throw Failure(status: ExitStatus.harnessFailed, message: "cannot write the reports: \(error)")
        }
        before()
        var status = RunSummary(result).exitCode
        if let baseline {
            let comparison = BaselineComparison(baseline: baseline.run, current: result, source: baseline.path)
            Console.line(comparison.summaryLine)
            for failure in comparison.new { Console.line("  new: \(failure)") }
            for failure in comparison.fixed { Console.line("  fixed: \(failure)") }
            status = comparison.exitCode(for: result)
        }
        if let catalogue {
            let coverage = RequirementCoverage(catalogued: catalogue.catalogued.map(\.id), cases: result.cases)
            Console.line(ConsoleSummary.coverageLine(for: coverage))
            if status == 0, !coverage.notEvaluated.isEmpty || !coverage.notShownFailing.isEmpty { status = 1 }
        }
        return status
    }
}
