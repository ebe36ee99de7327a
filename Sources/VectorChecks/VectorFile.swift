import DPSCore
/// How a vector's expected values are to be judged (Wycheproof's result, docs/vectors.md "Results").
public enum VectorResult: String, Sendable, Hashable, CaseIterable {
    /// Legal inputs: the implementation must produce every expected value.
    case valid
    /// Inputs that must be refused, or a known-wrong answer that must not be reproduced; the
    /// expected values say how the refusal looks (`error`) and what is still produced.
    case invalid
    /// Observations that may legitimately differ: a mismatch is reported as a warning only.
    case acceptable
}

/// What a vector file is about; it selects the checker of its vectors.
public enum VectorArea: String, Sendable, Hashable, CaseIterable {
    /// The DPS device protocol, checked against DPSCore.
    case dps
    /// DICE/RIoT derivations, checked against the DICE module.
    case dice
}

/// A loaded vector file of schema `dpsconform-vectors`.
public struct VectorFile: Sendable {
    /// The schema name every file carries.
    public static let schemaName = "dpsconform-vectors"
    /// Schema versions this build reads.
    public static let supportedSchemaVersions: ClosedRange<Int64> = 1...1

    /// Where the file was read from.
    public let path: String
    public let schemaVersion: Int
    public let area: VectorArea
    /// What is being tested, for humans.
    public let algorithm: String
    public let description: String?
    /// Where the vectors come from.
    public let source: String
    public let notes: [String]
    public let vectors: [TestVector]
}

/// One vector: inputs, expected values and what they mean.
public struct TestVector: Sendable {
    /// Unique in its area; the report names the case `<area>/<id>`.
    public let id: String
    /// Which computation the vector pins (e.g. `sas_token`, `devkit-riot`).
    public let kind: String
    /// Why the vector exists: the bug or edge it pins.
    public let description: String
    public let tags: [String]
    public let result: VectorResult
    /// Where its values come from.
    public let source: String
    public let note: String?
    /// Names of the expected fields, in file order.
    public var expectedFieldNames: [String] { expected.map(\.name) }

    let expected: [ExpectedField]
    let plan: VectorPlan
}

/// The typed inputs of a vector, decoded and validated when the file is loaded, so checking
/// never meets malformed input.
enum VectorPlan: Sendable {
    case dps(DPSCase)
    case dice(DiceCase)
}
