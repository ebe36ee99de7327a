import FakeDPS
import Foundation
import Inputs
import Testing

/// Issue 10, findings 3, 7 and 9: hostile or broken input files end in a located InputError,
/// quickly, never in a hang, a crash or unbounded memory.
@Suite("Reliability of input files")
struct ReliabilityInputsTests {
    /// A "billion laughs" document: nine levels of nine aliases each (9^9 scalars expanded).
    static func aliasBomb(under key: String, indent: String) -> String {
        var lines = ["\(indent)\(key):", "\(indent)  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            let refs = Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("\(indent)  l\(level): &l\(level) [\(refs)]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("an alias bomb in an enrollment's initialPayload is refused at its line, within seconds")
    func aliasBombInPayload() throws {
        let text = """
            individual:
              - registrationId: sensor-001
                symmetricKey: {primaryKey: c2VjcmV0LWtleS0wMDE=}

            """ + Self.aliasBomb(under: "initialPayload", indent: "    ")
        let path = try temporaryInput(text)
        let result = try withDeadline(seconds: 20) { () -> InputError? in
            do { _ = try EnrollmentFile.load(path: path); return nil } catch let error as InputError { return error }
        }
        let error = try #require(result, "the bomb was accepted")
        #expect(error.code == .limitExceeded)
        #expect(error.file == path)
        // The bomb's levels stand on lines 5-14; the limit is passed in one of them.
        #expect((5...14).contains(error.line ?? 0), "\(error)")
        #expect(error.description.contains("alias"))
    }

    @Test("an alias bomb anywhere in a YAML input (here the top level) is refused")
    func aliasBombTopLevel() throws {
        let path = try temporaryInput(Self.aliasBomb(under: "bomb", indent: ""), name: "requirements.yaml")
        let result = try withDeadline(seconds: 20) { () -> InputError? in
            do { _ = try RequirementCatalogue.load(path: path); return nil } catch let error as InputError { return error }
        }
        #expect(result?.code == .limitExceeded, "\(String(describing: result))")
        #expect(result?.line != nil)
    }

    @Test("an alias bomb used as a mapping key is refused before Yams hashes it, at the alias",
          arguments: ["? *l9\n: v\n", "*l9 : v\n", "[*l9, *l8]: v\n", "flow: {*l9: v}\n"])
    func aliasBombAsKey(key: String) throws {
        let text = Self.aliasBomb(under: "bomb", indent: "") + key
        let path = try temporaryInput(text, name: "requirements.yaml")
        let result = try withDeadline(seconds: 20) { () -> InputError? in
            do { _ = try RequirementCatalogue.load(path: path); return nil } catch let error as InputError { return error }
        }
        let error = try #require(result, "accepted")
        #expect(error.code == .limitExceeded, "\(error)")
        #expect(error.line == 12, "\(error)")
    }

    @Test("aliases as values, and alias-like text in quotes, comments and block scalars, are no keys")
    func aliasLookalikes() throws {
        let path = try temporaryInput("""
            individual:
              - registrationId: sensor-001   # *notAKey: here
                symmetricKey: &key {primaryKey: c2VjcmV0LWtleS0wMDE=}
                initialPayload: {a: "*x: y", b: '*y: z', c: [1, 2], d: "say \\"*q: r\\""}
              - registrationId: sensor-002
                symmetricKey: *key
                initialPayload:
                  text: |
                    *literal: text
                    [*a]: b
                  more: >
                    ? *folded
              - {registrationId: sensor-003, symmetricKey: *key}
            """)
        let set = try EnrollmentFile.load(path: path)
        #expect(set.individuals.count == 3)
    }

    @Test("more alias uses than the limit are refused even when each is small")
    func manyAliases() throws {
        var text = "individual:\n"
        for index in 0..<1_200 {
            text += "  - registrationId: sensor-\(index)\n"
            text += index == 0 ? "    symmetricKey: &key {primaryKey: c2VjcmV0}\n" : "    symmetricKey: *key\n"
        }
        let path = try temporaryInput(text)
        let error = try #require(throws: InputError.self) { try EnrollmentFile.load(path: path) }
        #expect(error.code == .limitExceeded)
        #expect(error.line != nil)
    }

    @Test("a few aliases are still fine")
    func someAliases() throws {
        let path = try temporaryInput("""
            individual:
              - registrationId: sensor-001
                symmetricKey: &key {primaryKey: c2VjcmV0LWtleS0wMDE=}
                initialPayload: &payload {region: eu, tags: [a, b]}
              - registrationId: sensor-002
                symmetricKey: *key
                initialPayload: *payload
            """)
        let set = try EnrollmentFile.load(path: path)
        #expect(set.individuals.count == 2)
        #expect(set.individuals[0].initialPayload == set.individuals[1].initialPayload)
    }

    @Test("certificatePem whose body is base64 but no certificate is refused, naming the field",
          arguments: ["MIIBogus==", "AAAA", ""])
    func bogusCertificatePEM(body: String) throws {
        let path = try temporaryInput("""
            individual:
              - registrationId: sensor-001
                x509:
                  certificatePem: "-----BEGIN CERTIFICATE-----\\n\(body)\\n-----END CERTIFICATE-----\\n"
            """)
        let error = try #require(throws: InputError.self) { try EnrollmentFile.load(path: path) }
        #expect(error.code == .invalidValue)
        #expect(error.file == path)
        #expect(error.line == 4)
        #expect(error.field == "individual[0].x509.certificatePem")
    }

    @Test("a group whose caCertificateFile is not a certificate is an error, not a group that is dropped")
    func bogusGroupCA() throws {
        let path = try temporaryInput("""
            groups:
              - groupId: fleet
                x509: {caCertificateFile: root.pem}
            """)
        let directory = (path as NSString).deletingLastPathComponent
        try Data("-----BEGIN CERTIFICATE-----\nMIIBogus==\n-----END CERTIFICATE-----\n".utf8)
            .write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("root.pem")))
        let error = try #require(throws: InputError.self) { try EnrollmentFile.load(path: path) }
        #expect(error.code == .invalidValue)
        #expect(error.line == 3)
        #expect(error.field == "groups[0].x509.caCertificateFile")
    }

    @Test("an empty enrollment file, or one enrolling nothing, is an error", arguments: ["", "# nothing\n", "individual: []\n"])
    func emptyEnrollmentFile(text: String) throws {
        let path = try temporaryInput(text)
        let error = try #require(throws: InputError.self) { try EnrollmentFile.load(path: path) }
        #expect(error.file == path)
        #expect(error.description.contains("enroll"))
    }

    @Test("a duplicate key gives its line and the key, never the whole file")
    func duplicateKey() throws {
        let filler = (0..<50).map { "# filler line \($0) with-a-marker-text" }.joined(separator: "\n")
        let path = try temporaryInput("""
            \(filler)
            individual:
              - registrationId: sensor-001
                registrationId: sensor-002
                symmetricKey: {primaryKey: c2VjcmV0LWtleS0wMDE=}
            """)
        let error = try #require(throws: InputError.self) { try EnrollmentFile.load(path: path) }
        #expect(error.line != nil)
        #expect((52...53).contains(error.line ?? 0), "\(error)")
        #expect(error.description.contains("registrationId"))
        #expect(!error.description.contains("with-a-marker-text"))
        #expect(error.description.count < 300)
    }
}
