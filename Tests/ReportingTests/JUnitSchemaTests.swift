import Foundation
import Testing
import Verdicts
@testable import Reporting

/// The shape the commonly used JUnit schemas (Ant's JUnit.xsd, Jenkins' junit-10.xsd) require,
/// checked by hand: required attributes present, numbers numeric, element order, counts consistent.
enum JUnitShape {
    static func problems(in text: String) -> [String] {
        let root: ParsedElement
        do {
            root = try ParsedElement.parse(text)
        } catch {
            return ["not well-formed: \(error)"]
        }
        var problems: [String] = []
        guard root.name == "testsuites" else { return ["root is <\(root.name)>, expected <testsuites>"] }
        problems += required(root, ["name", "tests", "failures", "errors", "skipped", "time"])
        problems += counters(root, ["tests", "failures", "errors", "skipped"])
        problems += duration(root)
        var totals = [0, 0, 0, 0]
        for child in root.children {
            guard child.name == "testsuite" else {
                problems.append("<testsuites> may only hold <testsuite>, found <\(child.name)>")
                continue
            }
            problems += suite(child, totals: &totals)
        }
        for (index, key) in ["tests", "failures", "errors", "skipped"].enumerated()
        where root.attributes[key] != String(totals[index]) {
            problems.append("<testsuites> \(key)=\(root.attributes[key] ?? "nil") but its suites add up to \(totals[index])")
        }
        return problems
    }

    private static func suite(_ suite: ParsedElement, totals: inout [Int]) -> [String] {
        let name = suite.attributes["name"] ?? "?"
        var problems = required(suite, ["name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname"])
        problems += counters(suite, ["tests", "failures", "errors", "skipped", "id"])
        problems += duration(suite)
        if let stamp = suite.attributes["timestamp"],
           stamp.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}/) == nil {
            problems.append("suite \(name): timestamp \(stamp) is not yyyy-MM-ddTHH:mm:ss")
        }
        let order = ["properties": 0, "testcase": 1, "system-out": 2, "system-err": 3]
        var last = -1
        var counted = [0, 0, 0, 0]
        for child in suite.children {
            guard let rank = order[child.name] else {
                problems.append("suite \(name): unexpected <\(child.name)>")
                continue
            }
            if rank < last { problems.append("suite \(name): <\(child.name)> out of order") }
            last = rank
            if child.name == "properties" {
                if child.children.isEmpty { problems.append("suite \(name): empty <properties>") }
                for property in child.children {
                    if property.name != "property" { problems.append("suite \(name): <properties> holds <\(property.name)>") }
                    problems += required(property, ["name", "value"])
                }
            }
            if child.name == "testcase" {
                problems += testcase(child)
                counted[0] += 1
                if child.first("failure") != nil { counted[1] += 1 }
                if child.first("error") != nil { counted[2] += 1 }
                if child.first("skipped") != nil { counted[3] += 1 }
            }
        }
        for (index, key) in ["tests", "failures", "errors", "skipped"].enumerated() {
            if suite.attributes[key] != String(counted[index]) {
                problems.append("suite \(name): \(key)=\(suite.attributes[key] ?? "nil") but it holds \(counted[index])")
            }
            totals[index] += counted[index]
        }
        return problems
    }

    private static func testcase(_ item: ParsedElement) -> [String] {
        let name = item.attributes["name"] ?? "?"
        var problems = required(item, ["name", "classname", "time"])
        problems += duration(item)
        let results = item.children.filter { ["failure", "error", "skipped"].contains($0.name) }
        // junit.xml gives every broken rule its own <failure> (or <error>); kinds are never mixed.
        if Set(results.map(\.name)).count > 1 || results.filter({ $0.name == "skipped" }).count > 1 {
            problems.append("case \(name): more than one of failure/error/skipped")
        }
        var seenOutput = false
        for child in item.children {
            switch child.name {
            case "failure", "error":
                if seenOutput { problems.append("case \(name): <\(child.name)> after <system-out>") }
                problems += required(child, ["message", "type"])
            case "skipped":
                if seenOutput { problems.append("case \(name): <skipped> after <system-out>") }
            case "system-out", "system-err":
                seenOutput = true
            default:
                problems.append("case \(name): unexpected <\(child.name)>")
            }
        }
        return problems
    }

    private static func required(_ element: ParsedElement, _ names: [String]) -> [String] {
        names.filter { element.attributes[$0] == nil }.map { "<\(element.name) name=\(element.attributes["name"] ?? "?")> lacks \($0)" }
    }

    private static func counters(_ element: ParsedElement, _ names: [String]) -> [String] {
        names.compactMap { key in
            guard let value = element.attributes[key] else { return nil }
            return value.wholeMatch(of: /[0-9]+/) == nil ? "<\(element.name)> \(key)=\(value) is not a count" : nil
        }
    }

    /// Seconds with exactly three decimals and a point: what we promise, and inside the schemas' pattern.
    private static func duration(_ element: ParsedElement) -> [String] {
        guard let value = element.attributes["time"] else { return [] }
        return value.wholeMatch(of: /[0-9]+\.[0-9]{3}/) == nil ? ["<\(element.name)> time=\(value) is not seconds.mmm"] : []
    }
}

@Suite("JUnit XML schema shape")
struct JUnitSchemaTests {
    static let runs: [RunResult] = [
        Fixture.mixedRun, Fixture.passingRun, Fixture.emptyRun,
        RunResult(name: "odd", startedAt: Date(timeIntervalSince1970: -1.5), wallSeconds: -3, cases: [
            CaseResult(id: "", title: "", suite: "", verdicts: [], wallSeconds: .nan, clockSeconds: .infinity),
        ]),
    ]

    @Test(arguments: runs)
    func reportHasTheSchemaShape(run: RunResult) {
        #expect(JUnitShape.problems(in: JUnitReport.render(run)) == [])
    }

    @Test func checkerRejectsWhatTheSchemasRefuse() {
        let broken = """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites name="x" tests="2" failures="0" errors="0" skipped="0" time="1,5">
          <testsuite name="s" tests="one" failures="0" errors="0" skipped="0" time="1.000" timestamp="2026-01-01T00:00:00Z" hostname="h">
            <testcase name="c" time="1.000"><system-out/><failure message="m"/></testcase>
          </testsuite>
        </testsuites>
        """
        let problems = JUnitShape.problems(in: broken)
        #expect(problems.contains("<testsuites> time=1,5 is not seconds.mmm"))
        #expect(problems.contains("<testsuite> tests=one is not a count"))
        #expect(problems.contains("suite s: timestamp 2026-01-01T00:00:00Z is not yyyy-MM-ddTHH:mm:ss"))
        #expect(problems.contains("<testcase name=c> lacks classname"))
        #expect(problems.contains("<failure name=?> lacks type"))
        #expect(problems.contains("case c: <failure> after <system-out>"))
        #expect(problems.contains("suite s: failures=0 but it holds 1"))
        #expect(JUnitShape.problems(in: "<testsuites><oops></testsuites>").count == 1)
    }
}
