import DPSCore
import Foundation
import Inputs
@testable import ScenarioEngine
import Testing

@Suite("Selection: globs, tags, requirements and shards")
struct SelectionTests {
    static let defaults: [Scenario] = (try? ScenarioLoader.load(paths: [repositoryRoot.appendingPathComponent("Scenarios").path])) ?? []

    @Test("glob: '*' any run (slashes too), '?' exactly one; plain text means contains")
    func globs() {
        let star = IDPattern("symmetric-key/*/mqtt", plainMeansContains: true)
        #expect(star.matches("symmetric-key/assigned-after-polls/mqtt"))
        #expect(star.matches("symmetric-key/a/b/mqtt"))
        #expect(!star.matches("symmetric-key/assigned-after-polls/https"))
        #expect(!star.matches("x/symmetric-key/a/mqtt"))
        let one = IDPattern("tls/tls1?-only", plainMeansContains: true)
        #expect(one.matches("tls/tls12-only"))
        #expect(!one.matches("tls/tls1-only"))
        #expect(!one.matches("tls/tls123-only"))
        let plain = IDPattern("x509", plainMeansContains: true)
        #expect(plain.matches("devkit/plain-x509-certificate"))
        #expect(!plain.matches("tls/untrusted-ca"))
        let exact = IDPattern("DPS-ID-001", plainMeansContains: false)
        #expect(exact.matches("DPS-ID-001"))
        #expect(!exact.matches("DPS-ID-0011"))
        #expect(IDPattern("*", plainMeansContains: false).matches(""))
        #expect(IDPattern("a*b*c", plainMeansContains: false).matches("aXXbYYbc"))
        #expect(!IDPattern("a*b*c", plainMeansContains: false).matches("aXXbYY"))
    }

    @Test("--filter keeps its old meaning for plain text and takes globs")
    func filter() throws {
        let all = Self.defaults
        #expect(all.count > 100)
        let contains = CaseSelection(filter: "x509").apply(all)
        #expect(contains.map(\.id) == all.map(\.id).filter { $0.contains("x509") })
        let glob = CaseSelection(filter: "symmetric-key/*/https").apply(all)
        #expect(!glob.isEmpty)
        #expect(glob.allSatisfy { $0.id.hasPrefix("symmetric-key/") && $0.id.hasSuffix("/https") })
    }

    @Test("--tag selects any of the tags; tags come from the scenario and its matrix cases share them")
    func tags() throws {
        let smoke = CaseSelection(tags: ["smoke"]).apply(Self.defaults)
        #expect(Set(smoke.map(\.id)).isSuperset(of: ["symmetric-key/assigned-after-polls/mqtt", "symmetric-key/assigned-after-polls/https",
                                                      "x509/individual/mqtt", "devkit/simulated/https"]))
        #expect(smoke.allSatisfy { $0.tags.contains("smoke") })
        let either = CaseSelection(tags: ["tls", "dice"]).apply(Self.defaults)
        #expect(either.allSatisfy { $0.id.hasPrefix("tls/") || $0.id.hasPrefix("devkit/") })
        #expect(Set(either.map { String($0.id.prefix(3)) }) == ["tls", "dev"])
        #expect(CaseSelection(tags: ["no-such"]).apply(Self.defaults).isEmpty)
        let both = CaseSelection(filter: "*/https", tags: ["smoke"]).apply(Self.defaults)
        #expect(both.allSatisfy { $0.transport == .https && $0.tags.contains("smoke") })
    }

    @Test("--requirement selects the cases that check an ID or a glob of IDs")
    func requirements() throws {
        let exact = CaseSelection(requirements: ["DICE-NONCE-001"]).apply(Self.defaults)
        #expect(!exact.isEmpty)
        #expect(exact.allSatisfy { $0.checks.contains(.diceNonce001) })
        #expect(exact.count == Self.defaults.filter { $0.checks.contains(.diceNonce001) }.count)
        let http = CaseSelection(requirements: ["DPS-HTTP-*"]).apply(Self.defaults)
        #expect(!http.isEmpty)
        #expect(http.allSatisfy { $0.transport == .https })
        // An ID is not "contains": DPS-ID-00 selects nothing.
        #expect(CaseSelection(requirements: ["DPS-ID-00"]).apply(Self.defaults).isEmpty)
        let mqttOnly = CaseSelection(requirements: ["DPS-HTTP-*"], transport: .mqtt).apply(Self.defaults)
        #expect(mqttOnly.isEmpty)
    }

    @Test("tags are validated at load: letters, digits, '-', '_'", arguments: ["[smoke, \"two words\"]", "[\"\"]", "[a/b]", "[smoke, smoke]", "{a: b}"])
    func badTags(tags: String) throws {
        let text = validScenario.replacingOccurrences(of: "  - id: test/one\n", with: "  - id: test/one\n    tags: \(tags)\n")
        let error = try #require(try loadError(text))
        #expect(error.line == 4, "\(error)")
        #expect(error.field?.hasPrefix("scenarios[0].tags") == true, "\(error)")
    }

    @Test("valid tags load")
    func goodTags() throws {
        let text = validScenario.replacingOccurrences(of: "  - id: test/one\n", with: "  - id: test/one\n    tags: [smoke, x_509, Tag-2]\n")
        let scenarios = try ScenarioLoader.load(file: try temporaryFile(text))
        #expect(scenarios[0].tags == ["smoke", "x_509", "Tag-2"])
    }

    @Test("K/N is parsed strictly", arguments: ["0/3", "4/3", "3", "1/0", "a/b", "1/3/5", " 1/3", "-1/3", "+1/3"])
    func badShard(text: String) {
        #expect(throws: Shard.ParseError.self) { try Shard(parsing: text) }
    }

    @Test("round-robin over the sorted IDs, whatever the order given")
    func roundRobin() throws {
        let ids = ["e", "a", "d", "b", "c", "f", "g"]
        let bins = ShardPlan.split(ids, count: 3)
        #expect(bins == [["a", "d", "g"], ["b", "e"], ["c", "f"]])
        #expect(ShardPlan.split(ids.reversed(), count: 3) == bins)
        let shard = try Shard(parsing: "2/3")
        #expect(ShardPlan.select(ids, id: { $0 }, shard: shard) == ["e", "b"])
        #expect(ShardPlan.split(["a"], count: 3) == [["a"], [], []])
    }

    @Test("durations: greedy longest first into the lightest shard, ties by ID; unknown cases weigh the median")
    func balanced() {
        let durations: [String: Double] = ["a": 10, "b": 1, "c": 1, "d": 4, "e": 5, "f": 2]
        // g has no duration: the median of 1 1 2 4 5 10 is 3. Longest first: a10 e5 d4 g3 f2 b1 c1.
        // a->1 (10,0); e->2 (10,5); d->2 (10,9); g->2 (10,12); f->1 (12,12); b->1 on the tie (13,12); c->2 (13,13).
        let bins = ShardPlan.split(["a", "b", "c", "d", "e", "f", "g"], count: 2, durations: durations)
        #expect(bins == [["a", "b", "f"], ["c", "d", "e", "g"]])
        #expect(ShardPlan.median(of: [1, 2, 10]) == 2)
        #expect(ShardPlan.median(of: [1, 2, 4, 10]) == 3)
        #expect(ShardPlan.median(of: []) == 0)
        // Equal durations: ties by ID, so the same as dealing them out in ID order.
        let equal = ShardPlan.split(["c", "b", "a", "d"], count: 2, durations: ["a": 1, "b": 1, "c": 1, "d": 1])
        #expect(equal == [["a", "c"], ["b", "d"]])
    }

    @Test("every split of the default suite is a partition: each case in exactly one shard")
    func partition() throws {
        let ids = Self.defaults.map(\.id)
        let durations = Dictionary(uniqueKeysWithValues: ids.enumerated().filter { $0.offset % 4 != 0 }.map { ($0.element, Double($0.offset % 7)) })
        for count in [1, 2, 3, 7, 200] {
            for plan in [ShardPlan.split(ids, count: count), ShardPlan.split(ids, count: count, durations: durations)] {
                #expect(plan.count == count)
                #expect(plan.flatMap { $0 }.sorted() == ids.sorted())
            }
        }
    }
}
