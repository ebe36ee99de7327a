import Foundation
import Verdicts

/// The whole run as JSON: every case with its verdicts and transcript (raw bytes as base64), plus
/// a summary block. Keys are sorted and the text pretty-printed so reports diff cleanly; dates are
/// ISO 8601 UTC with as many fractional digits as it takes to read back the identical time.
public enum JSONReport {
    /// Identifies the document kind for tools that read it.
    public static let formatName = "dpsconform-report"
    /// Bumped when the document's shape changes incompatibly. Version 2: transcript events are
    /// typed (see docs/transcript.md), requirement IDs are checked against the catalogue, and
    /// the summary holds the requirement coverage.
    public static let formatVersion = 2

    /// The JSON report for `run`.
    public static func encode(_ run: RunResult) throws(ReportingError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom(encodeDate)
        encoder.dataEncodingStrategy = .base64
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            var data = try encoder.encode(Document(run: run))
            data.append(0x0A)
            return data
        } catch {
            throw ReportingError(.jsonNotEncoded, "run \"\(run.name)\" could not be encoded: \(error)")
        }
    }

    /// Reads a JSON report back into the run it was made from (the summary is derived, so it is
    /// not read). `source` names the file in errors.
    public static func decode(_ data: Data, source: String = "JSON report") throws(ReportingError) -> RunResult {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom(decodeDate)
        decoder.dataDecodingStrategy = .base64
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "+Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            let header = try decoder.decode(Header.self, from: data)
            guard header.format == formatName else {
                throw ReportingError(.jsonNotDecoded, "\(source): field \"format\" is \"\(header.format)\", expected \"\(formatName)\"", path: source)
            }
            guard header.formatVersion == formatVersion else {
                throw ReportingError(.jsonNotDecoded, "\(source): field \"formatVersion\" is \(header.formatVersion), this tool reads \(formatVersion)", path: source)
            }
            return try decoder.decode(Document.self, from: data).run
        } catch let error as ReportingError {
            throw error
        } catch let DecodingError.dataCorrupted(context) {
            throw ReportingError(.jsonNotDecoded, "\(source): \(describe(context))", path: source)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ReportingError(.jsonNotDecoded, "\(source): missing field \"\(key.stringValue)\" at \(location(context.codingPath))", path: source)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ReportingError(.jsonNotDecoded, "\(source): \(describe(context))", path: source)
        } catch {
            throw ReportingError(.jsonNotDecoded, "\(source): \(error)", path: source)
        }
    }

    /// The `formatVersion` a JSON report declares, or nil when the data is not a report header.
    public static func declaredFormatVersion(of data: Data) -> Int? {
        try? JSONDecoder().decode(Header.self, from: data).formatVersion
    }

    private static func describe(_ context: DecodingError.Context) -> String {
        "\(context.debugDescription) at \(location(context.codingPath))"
    }

    private static func location(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else { return "top level" }
        return path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }

    @Sendable private static func encodeDate(_ date: Date, _ encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(ReportTimestamp.exact(date))
    }

    @Sendable private static func decodeDate(_ decoder: any Decoder) throws -> Date {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = ReportTimestamp.parseExact(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(text)\" is not an ISO 8601 UTC time like 2026-01-01T00:00:00.25Z")
        }
        return date
    }

    /// Just enough of the document to know whether the rest can be read.
    private struct Header: Decodable {
        var format: String
        var formatVersion: Int
    }

    /// The document: what was run, and what it adds up to.
    private struct Document: Codable {
        var format: String = JSONReport.formatName
        var formatVersion: Int = JSONReport.formatVersion
        var run: RunResult
        var summary: Summary

        init(run: RunResult) {
            self.run = run
            self.summary = Summary(run)
        }

        private enum CodingKeys: String, CodingKey { case format, formatVersion, run, summary }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            format = try container.decode(String.self, forKey: .format)
            formatVersion = try container.decode(Int.self, forKey: .formatVersion)
            run = try container.decode(RunResult.self, forKey: .run)
            summary = Summary(run)
        }
    }

    /// The summary block: counts, CI verdict, exit code, and each case's outcome (which the run
    /// itself only holds implicitly, as its verdicts).
    private struct Summary: Encodable {
        var counts: [String: Int]
        var total: Int
        var passed: Int
        var failed: Bool
        var exitCode: Int32
        var cases: [CaseLine]
        /// Requirements some case evaluated, and those some case showed failing (xfail).
        var coverage: Coverage

        init(_ run: RunResult) {
            let totals = RunSummary(run)
            counts = totals.countsByName
            total = totals.total
            passed = totals.passed
            failed = totals.failed
            exitCode = totals.exitCode
            cases = run.cases.map(CaseLine.init)
            let coverage = RequirementCoverage(catalogued: [], cases: run.cases)
            self.coverage = Coverage(evaluated: coverage.evaluated.map(\.rawValue).sorted(),
                                     shownFailing: coverage.shownFailing.map(\.rawValue).sorted())
        }

        struct Coverage: Encodable {
            var evaluated: [String]
            var shownFailing: [String]
        }

        struct CaseLine: Encodable {
            var id: String
            var suite: String
            var outcome: VerdictOutcome
            /// Requirements whose verdicts decided the outcome (failing ones for a fail).
            var requirements: [String]

            init(_ item: CaseResult) {
                id = item.id
                suite = item.suite
                outcome = item.outcome
                requirements = VerdictText.decidingRequirements(item)
            }
        }
    }
}
