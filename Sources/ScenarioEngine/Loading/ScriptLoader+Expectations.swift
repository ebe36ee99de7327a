import DPSCore
import Foundation
import Inputs

extension ScriptLoader {
    /// `{requirement: DPS-SVC-..., status: 202, rid: echoed, ...}` or `{requirement: ..., oneOf: [{...}, {...}]}`.
    static func expectation(_ node: YAMLNode) throws -> StepExpectation {
        let fields = try node.mapping(allowed: conditions.union(["requirement", "oneOf"]))
        guard let requirementNode = fields["requirement"] else { throw node.error(.missingField, "an expectation names its requirement (requirement: DPS-SVC-...)") }
        let text = try requirementNode.string()
        guard let requirement = RequirementID(known: text) else {
            throw requirementNode.error(.unknownRequirement, "requirement '\(text)' is not in the catalogue")
        }
        var alternatives: [[AnswerCondition]] = []
        let own = try conditionList(fields, node)
        if let oneOf = fields["oneOf"] {
            guard own.isEmpty else { throw oneOf.error(.invalidValue, "give the conditions inside oneOf's alternatives, not beside it") }
            for alternative in try oneOf.sequence() {
                let members = try alternative.mapping(allowed: conditions)
                alternatives.append(try conditionList(members, alternative))
            }
            guard alternatives.count >= 2 else { throw oneOf.error(.invalidValue, "oneOf lists at least two alternatives") }
        } else {
            alternatives = [own]
        }
        for (index, alternative) in alternatives.enumerated() where alternative.isEmpty {
            throw node.error(.missingField, "expectation \(alternatives.count > 1 ? "alternative \(index + 1) " : "")names no condition "
                             + "(\(conditions.sorted().joined(separator: ", ")))")
        }
        return StepExpectation(requirement: requirement, alternatives: alternatives,
                               location: "\((node.file as NSString).lastPathComponent):\(node.node.mark?.line ?? 0)", site: requirementNode.site)
    }

    static func conditionList(_ fields: [String: YAMLNode], _ node: YAMLNode) throws -> [AnswerCondition] {
        var list: [AnswerCondition] = []
        for name in conditions.sorted() {
            guard let value = fields[name] else { continue }
            switch name {
            case "status": list.append(.status(try value.sequenceOrSingle().map { try $0.int(in: 100...599) }))
            case "connack": list.append(.connAck(returnCode: UInt8(try value.int(in: 0...255))))
            case "sessionPresent": list.append(.sessionPresent(try value.bool()))
            case "granted": list.append(.granted(try value.sequenceOrSingle().map { UInt8(try $0.int(in: 0...255)) }))
            case "rid":
                // `echoed`: the request's own; any other text: exactly that $rid.
                let text = try value.string()
                list.append(text == "echoed" ? .requestIDEchoed : .requestID(text))
            case "ridFirst":
                guard try value.bool() else { throw value.error(.invalidValue, "ridFirst: true is the only form") }
                list.append(.requestIDFirst)
            case "retryAfter": list.append(.retryAfter(present: try value.choice(["present": true, "absent": false])))
            case "puback": list.append(.pubAck(try value.bool()))
            case "closed": list.append(.closed(try value.bool()))
            case "body":
                guard case .mapping(let mapping) = value.node else { throw value.error(.wrongType, "body is a mapping of JSON path: expected value") }
                for (key, member) in mapping {
                    let pathNode = YAMLNode(node: key, file: value.file, path: value.path + "." + (key.string ?? ""))
                    let expected = try JSONText.decode(JSONValue.self, from: Array(try YAMLNode(node: member, file: value.file, path: pathNode.path).jsonText().utf8),
                                                       what: "expected value")
                    list.append(.body(try path(pathNode), .equals(expected)))
                }
            case "bodyHas": list += try value.sequenceOrSingle().map { .body(try path($0), .present) }
            case "bodyLacks": list += try value.sequenceOrSingle().map { .body(try path($0), .absent) }
            default:
                guard case .mapping(let mapping) = value.node else { throw value.error(.wrongType, "headers is a mapping of name: present | absent") }
                for (key, member) in mapping {
                    let memberNode = YAMLNode(node: member, file: value.file, path: value.path + "." + (key.string ?? ""))
                    list.append(.header(key.string ?? "", present: try memberNode.choice(["present": true, "absent": false])))
                }
            }
        }
        return list
    }

    static func path(_ node: YAMLNode) throws -> JSONPath {
        let text = try node.string()
        do throws(JSONPathError) {
            return try JSONPath(parsing: text)
        } catch {
            throw node.error(.invalidValue, "bad JSON path: \(error.description)")
        }
    }

    /// `bind: {operationId: $.operationId, myRid: rid, wait: retryAfter, code: status}`.
    static func bindings(_ node: YAMLNode) throws -> [ScriptBinding] {
        guard case .mapping(let mapping) = node.node else { throw node.error(.wrongType, "bind is a mapping of name: source") }
        return try mapping.map { key, value in
            let name = key.string ?? ""
            let valueNode = YAMLNode(node: value, file: node.file, path: node.path + "." + name)
            guard name.first?.isLetter == true, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !ScriptState.builtIn.contains(name) else {
                throw valueNode.error(.invalidValue, "'\(name)' cannot be bound: a name is letters, digits and '_', and not one of "
                                      + ScriptState.builtIn.sorted().joined(separator: ", "))
            }
            let source = try valueNode.string()
            switch source {
            case "rid": return ScriptBinding(name: name, source: .requestID)
            case "retryAfter": return ScriptBinding(name: name, source: .retryAfter)
            case "status": return ScriptBinding(name: name, source: .status)
            default:
                guard source.hasPrefix("$") else { throw valueNode.error(.invalidValue, "bind from a JSON path ($.operationId), rid, retryAfter or status") }
                return ScriptBinding(name: name, source: .body(try path(valueNode)))
            }
        }
    }
}

extension ScriptAction {
    /// Every text of the action that may hold placeholders.
    var texts: [String] {
        switch self {
        case .connect(let action):
            var texts = [action.clientID, action.username]
            switch action.password {
            case .text(let text): texts.append(text)
            case .sas(let form): texts += form.registrationID.map { [$0] } ?? []
            case .omitted: break
            }
            return texts
        case .subscribe(let filter, _): return [filter]
        case .publish(let topic, _, let payload): return [topic, payload]
        case .register(let body, let rid): return [body, rid].compactMap { $0 }
        case .poll(let operationID, let payload, let rid): return [operationID, payload, rid].compactMap { $0 }
        case .statusLookup(let body): return body.map { [$0] } ?? []
        case .request(let request): return [request.path, request.body].compactMap { $0 } + request.headers.map(\.value) + (request.sas?.registrationID.map { [$0] } ?? [])
        case .wait, .disconnect, .raw: return []
        }
    }
}

extension ScriptAction {
    /// What the service answers this step with, for errors.
    var answerKind: String {
        switch self {
        case .connect: "a CONNACK"
        case .subscribe: "a SUBACK"
        case .publish, .register, .poll: "a DPS response"
        case .statusLookup, .request: "an HTTP response"
        case .wait(.response): "the next DPS response"
        case .wait, .disconnect: "nothing"
        case .raw: "the next MQTT packet"
        }
    }
}

extension AnswerCondition {
    /// Whether the answer of `action` can meet this condition at all (checked at load).
    func applies(to action: ScriptAction) -> Bool {
        switch (self, action) {
        case (_, .disconnect), (_, .wait(.seconds)), (_, .wait(.retryAfter)): return false
        case (.closed, _), (_, .raw): return true
        case (.connAck, .connect), (.sessionPresent, .connect), (.granted, .subscribe): return true
        case (.connAck, _), (.sessionPresent, _), (.granted, _), (_, .connect), (_, .subscribe): return false
        case (.requestIDEchoed, .publish), (.requestIDEchoed, .register), (.requestIDEchoed, .poll), (.requestIDEchoed, .wait),
             (.requestID, .publish), (.requestID, .register), (.requestID, .poll), (.requestID, .wait),
             (.requestIDFirst, .publish), (.requestIDFirst, .register), (.requestIDFirst, .poll), (.requestIDFirst, .wait),
             (.pubAck, .publish), (.pubAck, .register), (.pubAck, .poll):
            return true
        case (.requestIDEchoed, _), (.requestID, _), (.requestIDFirst, _), (.pubAck, _): return false
        default: return true
        }
    }
}
