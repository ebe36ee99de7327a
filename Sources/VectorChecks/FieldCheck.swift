import Crypto
import DPSCore
import Verdicts

/// What the implementation produced for one expected field of a vector.
enum ObservedValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case bool(Bool)
    case strings([String])
    /// The implementation refused the input; the names the refusal is known by (its stable code
    /// first, then the names other implementations give it, e.g. the Embedded C SDK's).
    case refusal([String])
    /// The implementation accepted the input (observed for an expected `error`).
    case accepted
    /// The value does not exist in this outcome (e.g. no certificate after a refusal).
    case notProduced(String)
    /// Every value the implementation produces from the inputs; the expected value must be none
    /// of them (an `invalid` vector's known-wrong answer, docs/vectors.md "Results").
    case differsFrom([String])
}

/// One field the implementation produced, with the requirement it pins.
struct FieldObservation: Sendable {
    let value: ObservedValue
    let requirement: RequirementID
    /// Whether values of the field are secrets (keys, signatures, UDS-derived bytes): shown in
    /// reports only as a fingerprint.
    let secret: Bool

    init(_ value: ObservedValue, _ requirement: RequirementID, secret: Bool = false) {
        self.value = value
        self.requirement = requirement
        self.secret = secret
    }
}

/// A check that is not one expected field: a round trip, or a vector input that the
/// implementation recomputes (map addresses, region offsets).
struct AdditionalCheck: Sendable {
    let requirement: RequirementID
    let passed: Bool
    let expected: String
    let observed: String
    /// A harness fault (e.g. the firmware image could not be rebuilt): the outcome is `error`.
    var harnessFault = false
}

/// The JSON type an expected field must have.
enum ExpectedFieldType: Sendable, Hashable {
    case text, integer, bool, strings
}

/// One member of a vector's `expected` object.
struct ExpectedField: Sendable {
    let name: String
    let value: VectorJSON
}

/// Folds expected fields and observations into verdicts (docs/vectors.md, "Results").
enum FieldJudge {
    /// A field that matched passes; one that did not fails, or warns for an `acceptable` vector.
    /// A field without an observation is a checker fault (`error`, under `fallbackRequirement`).
    static func verdict(_ field: ExpectedField, _ observation: FieldObservation?, result: VectorResult,
                        fallbackRequirement: RequirementID) -> Verdict {
        guard let observation else {
            return Verdict(requirement: fallbackRequirement, outcome: .error, expected: [field.name],
                           observed: "\(field.name): the checker produced no value for this field")
        }
        let matched = matches(field.value, observation.value)
        let outcome: VerdictOutcome = matched ? .pass : (result == .acceptable ? .warn : .fail)
        let expectedText: String
        if case .differsFrom = observation.value {
            expectedText = "\(field.name) is not reproduced: anything but \(render(field.value, field.name, observation.secret))"
        } else {
            expectedText = "\(field.name) = \(render(field.value, field.name, observation.secret))"
        }
        return Verdict(requirement: observation.requirement, outcome: outcome, expected: [expectedText],
                       observed: describe(observation, field: field.name))
    }

    static func verdict(_ check: AdditionalCheck, result: VectorResult) -> Verdict {
        let outcome: VerdictOutcome
        if check.passed {
            outcome = .pass
        } else if check.harnessFault {
            outcome = .error
        } else {
            outcome = result == .acceptable ? .warn : .fail
        }
        return Verdict(requirement: check.requirement, outcome: outcome, expected: [check.expected], observed: check.observed)
    }

    static func matches(_ expected: VectorJSON, _ observed: ObservedValue) -> Bool {
        switch (expected.value, observed) {
        case (.string(let want), .text(let got)): return want == got
        case (.integer(let want), .integer(let got)): return want == got
        case (.bool(let want), .bool(let got)): return want == got
        case (.array(let items), .strings(let got)):
            return items.count == got.count && zip(items, got).allSatisfy { $0.value == .string($1) }
        case (.string(let want), .refusal(let names)): return names.contains(want)
        case (.string(let want), .differsFrom(let produced)): return !produced.contains(want)
        default: return false
        }
    }

    static func describe(_ observation: FieldObservation, field: String) -> String {
        let secret = observation.secret
        switch observation.value {
        case .text(let text): return "\(field) = \(SecretText.render(text, field: field, secret: secret))"
        case .integer(let number): return "\(field) = \(number)"
        case .bool(let flag): return "\(field) = \(flag)"
        case .strings(let list): return "\(field) = [" + list.map { SecretText.render($0, field: field, secret: secret) }.joined(separator: ", ") + "]"
        case .refusal(let names): return "\(field): refused (\(names.joined(separator: " / ")))"
        case .accepted: return "\(field): accepted, no refusal"
        case .notProduced(let why): return "\(field): not produced (\(why))"
        case .differsFrom(let produced):
            return "\(field): the inputs give \(produced.count) value(s): "
                + produced.map { SecretText.render($0, field: field, secret: secret) }.joined(separator: " | ")
        }
    }

    static func render(_ value: VectorJSON, _ field: String, _ secret: Bool) -> String {
        switch value.value {
        case .string(let text): return SecretText.render(text, field: field, secret: secret)
        case .array(let items):
            return "[" + items.map { item in
                if case .string(let text) = item.value { return SecretText.render(text, field: field, secret: secret) }
                return item.jsonText
            }.joined(separator: ", ") + "]"
        default: return value.jsonText
        }
    }
}

/// How secret values appear in reports: never in clear, but as a fingerprint, so a mismatch is
/// still visible (helper-rules: secrets never appear in logs).
enum SecretText {
    static func render(_ text: String, field: String, secret: Bool) -> String {
        guard !text.isEmpty else { return "\"\" (empty)" }
        guard secret else { return text }
        let digest = SHA256.hash(data: Array(text.utf8)).prefix(4).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        // A SAS token keeps its public parts readable; only its signature is hidden.
        if text.hasPrefix(SASToken.prefix), let token = try? SASToken(parsing: text) {
            return token.redacted + " (sha256 \(digest))"
        }
        return "<redacted, sha256 \(digest)>"
    }
}
