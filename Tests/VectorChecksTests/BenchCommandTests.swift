import Foundation
import Testing

/// `dpsconform bench` runs and reports a rate and its build configuration; the speed goal is
/// judged by the command, never by a unit test.
@Suite("dpsconform bench", .serialized)
struct BenchCommandTests {
    @Test("a short DICE run prints certificates per second and the build configuration")
    func shortRun() async throws {
        let run = try await Tool.run(["bench", "--dice-certs", "5"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("DICE Alias certificates: 5 derived in "))
        #expect(run.standardOutput.contains(" per second"))
        let build = run.standardOutput.split(separator: "\n").first { $0.hasPrefix("build: ") }
        #expect(build == "build: debug (not representative)" || build == "build: release")
        if build?.hasPrefix("build: debug") == true { #expect(run.standardError.contains("debug build")) }
    }

    @Test("a count outside 1...10000000 is bad input (exit 2)")
    func badCount() async throws {
        #expect(try await Tool.run(["bench", "--dice-certs", "0"]).status == 2)
        #expect(try await Tool.run(["bench", "--dice-certs", "many"]).status == 2)
    }
}
