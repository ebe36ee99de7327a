import Foundation
import TestSupport
import Testing

/// What `dpsconform run` writes to its console: plain lines in a pipe, a live status line on a
/// terminal, and the `--quiet` and `--verbose` forms.
@Suite("Console: plain lines, live progress on a terminal, --quiet and --verbose", .serialized)
struct ConsoleOutputTests {
    static func tool() throws -> String {
        guard let tool = BuiltTool.dpsconform else { throw InteropError(BuiltTool.missing) }
        return tool.path
    }

    static let file = Checkout.url("Scenarios/symmetric-key.yaml").path

    static func reports() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("dpsconform-console-\(UUID().uuidString)").path
    }

    @Test("in a pipe: one plain line per case, no escape sequences")
    func plainInPipe() async throws {
        let result = try await runTool(try Self.tool(), ["run", Self.file, "--jobs", "4", "--reports", Self.reports()])
        #expect(result.status == 0)
        #expect(!result.output.contains("\u{1B}"))
        #expect(result.output.contains("PASS  symmetric-key/secondary-key/mqtt"))
        #expect(result.output.contains("Conformance: 16 passed"))
    }

    @Test("--quiet: only failing cases with their broken rules, and the total")
    func quiet() async throws {
        let passing = try await runTool(try Self.tool(), ["run", Self.file, "--jobs", "4", "--quiet", "--reports", Self.reports()])
        #expect(!passing.output.contains("PASS "))
        #expect(passing.output.contains("Conformance: 16 passed"))
        // A device that never connects fails: its cases and the rule show.
        let failing = try await runTool(try Self.tool(), ["run", Self.file, "--filter", "secondary-key", "--device-command", "true",
                                                          "--quiet", "--reports", Self.reports()])
        #expect(failing.status == 1)
        #expect(failing.output.contains("FAIL  symmetric-key/secondary-key/mqtt"))
        #expect(failing.output.contains("DPS-FLOW-RESULT-001: expected"))
    }

    @Test("--verbose: each verdict that is not a plain pass under its case")
    func verbose() async throws {
        let result = try await runTool(try Self.tool(), ["run", Self.file, "--filter", "wrong-key", "--verbose", "--reports", Self.reports()])
        #expect(result.status == 0)
        #expect(result.output.contains("XFAIL  DPS-AUTH-SAS-004"))
    }

    @Test("on a terminal: a live status line with done/total and the running case, cleared at the end")
    func liveOnTerminal() async throws {
        // script(1) gives the run a pseudo-terminal.
        let command = "env -u NO_COLOR TERM=xterm \(try Self.tool()) run \(Self.file) --filter secondary-key --reports \(Self.reports())"
        let result = try await runTool("/usr/bin/script", ["-qec", command, "/dev/null"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("\u{1B}[2K"))
        #expect(result.output.contains("[0/2]") || result.output.contains("[1/2]"))
        #expect(result.output.contains("running symmetric-key/secondary-key/"))
        let noColor = try await runTool("/usr/bin/script", ["-qec", command.replacingOccurrences(of: "env -u NO_COLOR", with: "env NO_COLOR=1"), "/dev/null"])
        #expect(!noColor.output.contains("\u{1B}[2K"))
    }
}
