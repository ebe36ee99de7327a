import DPSCore
/// Decodes one member of `vectors`: the common members, then the kind's inputs and expected
/// fields, and the rules that tie `result` to `expected` (docs/vectors.md "Vectors", "Results").
enum VectorDecoding {
    static let allowedMembers: Set<String> = ["id", "kind", "description", "tags", "result", "inputs", "expected", "source", "note"]

    static func vector(_ node: VectorNode, area: VectorArea) throws(VectorFileError) -> TestVector {
        guard case .object = node.json.value else { throw node.error(.wrongType, "a vector is a JSON object, found \(node.json.typeName)") }
        try node.refuseUnknownMembers(allowed: allowedMembers)
        let idNode = try node.require("id")
        let id = try idNode.string()
        // IDs become report case names and file names: keep them to a portable alphabet.
        guard !id.isEmpty, id.utf8.count <= 200,
              id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterClass.isAlphanumeric($0) || "._-".unicodeScalars.contains($0)) }) else {
            throw idNode.error(.invalidValue, "an id is 1 to 200 characters of A-Z a-z 0-9 . _ -")
        }
        let resultNode = try node.require("result")
        guard let result = VectorResult(rawValue: try resultNode.string()) else {
            throw resultNode.error(.invalidValue, "result must be valid, invalid or acceptable")
        }
        let kindNode = try node.require("kind")
        let kind = try kindNode.string()
        let inputs = try node.require("inputs")
        _ = try inputs.members()
        let expectedNode = try node.require("expected")
        let expected = try expectedNode.members().map { ExpectedField(name: $0.name, value: $0.node.json) }
        guard !expected.isEmpty else { throw expectedNode.error(.invalidValue, "a vector expects at least one field") }

        let plan: VectorPlan
        let fields: [String: ExpectedFieldType]
        switch area {
        case .dps:
            guard let dpsKind = DPSVectorKind(rawValue: kind) else {
                throw kindNode.error(.unknownKind, "unknown DPS kind; known: \(DPSVectorKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let input = try dpsKind.decode(inputs)
            plan = .dps(input)
            fields = try observationFields(dpsKind, input, result: result, node: node)
        case .dice:
            guard kind == DiceVectorKind.kind else { throw kindNode.error(.unknownKind, "unknown DICE kind; known: \(DiceVectorKind.kind)") }
            plan = .dice(try DiceVectorKind.decode(inputs))
            fields = DiceVectorKind.fields
        }
        try checkExpected(expectedNode, fields: fields, area: area, kind: kind)
        let hasError = expected.contains { $0.name == "error" }
        let refusesWithoutError: Bool
        if case .dps(.sasTokenObservation) = plan { refusesWithoutError = true } else { refusesWithoutError = false }
        if hasError, result != .invalid {
            throw resultNode.error(.resultMismatch, "a vector that expects an error has result invalid")
        }
        if result == .invalid, !hasError, !refusesWithoutError {
            throw resultNode.error(.resultMismatch, "an invalid vector of kind \(kind) states the expected refusal in expected.error")
        }
        let tagsNode = try node.require("tags")
        return TestVector(id: id, kind: kind, description: try VectorFileLoader.nonEmpty(node.require("description")),
                          tags: try tagsNode.strings(), result: result, source: try VectorFileLoader.nonEmpty(node.require("source")),
                          note: try node.optionalString("note"), expected: expected, plan: plan)
    }

    /// Observation vectors are one of two shapes, each with its own field and result.
    private static func observationFields(_ kind: DPSVectorKind, _ input: DPSCase, result: VectorResult,
                                          node: VectorNode) throws(VectorFileError) -> [String: ExpectedFieldType] {
        switch input {
        case .etagObservation: return ["decoded_etag": .text]
        case .sasTokenObservation:
            guard result == .invalid else {
                throw try node.require("result").error(.resultMismatch, "a token observation records a token that must be refused: result invalid")
            }
            return ["token": .text]
        default: return kind.fields
        }
    }

    private static func checkExpected(_ node: VectorNode, fields: [String: ExpectedFieldType], area: VectorArea,
                                      kind: String) throws(VectorFileError) {
        for (name, field) in try node.members() {
            guard let type = fields[name] else {
                throw field.error(.unknownExpectedField, "kind \(kind) produces no field \"\(name)\" (it produces: "
                                  + fields.keys.sorted().joined(separator: ", ") + ")")
            }
            switch type {
            case .text: _ = try field.string()
            case .integer: _ = try field.integer()
            case .bool: _ = try field.bool()
            case .strings: _ = try field.strings()
            }
            if name == "error" {
                let value = try field.string()
                let known = area == .dps ? DPSVectorKind.isKnownRefusal(value) : DiceVectorKind.isKnownRefusal(value)
                guard known else { throw field.error(.invalidValue, "\"\(value)\" is not a refusal this build can observe") }
            }
        }
    }
}

/// ASCII character classes for IDs.
enum CharacterClass {
    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
