import DPSCore
import Device
import Foundation
import Inputs

/// Reads a scenario's `script:` (docs/scenarios.md, "Device scripts"). Every error names the
/// file, line, column and field: an unknown step or condition, a bad JSON path, a requirement
/// the catalogue lacks, a placeholder no earlier step binds.
enum ScriptLoader {
    static let actions: Set<String> = ["connect", "subscribe", "publish", "request", "register", "poll", "statusLookup", "wait", "disconnect", "raw"]
    static let stepFields: Set<String> = actions.union(["expect", "bind", "within"])
    static let conditions: Set<String> = ["status", "connack", "sessionPresent", "granted", "rid", "ridFirst", "retryAfter", "puback", "closed",
                                          "body", "bodyHas", "bodyLacks", "headers"]

    static func read(_ node: YAMLNode) throws -> DeviceScript {
        var known = ScriptState.builtIn
        var steps: [ScriptStep] = []
        let items = try node.sequence()
        guard !items.isEmpty else { throw node.error(.invalidValue, "a script needs at least one step") }
        for (index, item) in items.enumerated() {
            let fields = try item.mapping(allowed: stepFields)
            let named = fields.keys.filter(actions.contains)
            guard named.count == 1, let name = named.first, let actionNode = fields[name] else {
                throw item.error(named.isEmpty ? .missingField : .invalidValue,
                                 "a step has exactly one action of: \(actions.sorted().joined(separator: ", "))")
            }
            var step = ScriptStep(action: try action(name, actionNode), location: "\((item.file as NSString).lastPathComponent):\(item.node.mark?.line ?? 0)",
                                  number: index + 1)
            for text in step.action.texts {
                for placeholder in placeholders(in: text) where !known.contains(placeholder) {
                    throw actionNode.error(.invalidValue, "placeholder {\(placeholder)} has no value here: it is not built in "
                                           + "(\(ScriptState.builtIn.sorted().joined(separator: ", "))) and no earlier step binds it")
                }
            }
            if let within = fields["within"] { step.within = .seconds(try within.int(in: 1...600)) }
            step.expectations = try fields["expect"]?.sequenceOrSingle().map(expectation) ?? []
            for expectation in step.expectations {
                for condition in expectation.alternatives.joined() where !condition.applies(to: step.action) {
                    throw (fields["expect"] ?? item).error(.invalidValue, "'\(condition.text)' can never hold for a \(step.action.name) step "
                                                             + "(its answer is \(step.action.answerKind)); expect it of another step")
                }
            }
            step.bindings = try fields["bind"].map(bindings) ?? []
            switch step.action {
            case .register, .poll, .publish, .request, .wait: known.formUnion(ScriptState.automatic)
            default: break
            }
            known.formUnion(step.bindings.map(\.name))
            steps.append(step)
        }
        return DeviceScript(steps: steps)
    }

    /// The `{identifier}` names in `text` (JSON braces are not placeholders).
    static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            let name = after.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if name.first?.isLetter == true, after.dropFirst(name.count).first == "}" { names.append(String(name)) }
            rest = after
        }
        return names
    }

    static func action(_ name: String, _ node: YAMLNode) throws -> ScriptAction {
        let isEmpty = { if case .scalar(let scalar) = node.node { return scalar.string.isEmpty || scalar.string == "null" } else { return false } }()
        switch name {
        case "connect": return .connect(isEmpty ? ConnectAction() : try connect(node))
        case "subscribe":
            if case .scalar = node.node { return .subscribe(filter: try node.string(), qos: 1) }
            let fields = try node.mapping(allowed: ["topic", "qos"])
            return .subscribe(filter: try fields["topic"]?.string() ?? DPSTopic.responseFilter, qos: UInt8(try fields["qos"]?.int(in: 0...2) ?? 1))
        case "publish":
            let fields = try node.mapping(allowed: ["topic", "qos", "payload"])
            guard let topic = fields["topic"] else { throw node.error(.missingField, "publish needs topic") }
            return .publish(topic: try topic.string(), qos: UInt8(try fields["qos"]?.int(in: 0...1) ?? 1), payload: try fields["payload"].map(text) ?? "")
        case "register":
            let fields = isEmpty ? [:] : try node.mapping(allowed: ["body", "rid"])
            return .register(body: try fields["body"].map(text), requestID: try fields["rid"]?.string())
        case "poll":
            let fields = isEmpty ? [:] : try node.mapping(allowed: ["operationId", "payload", "rid"])
            return .poll(operationID: try fields["operationId"]?.string() ?? "{operationId}", payload: try fields["payload"].map(text) ?? "",
                         requestID: try fields["rid"]?.string())
        case "statusLookup":
            let fields = isEmpty ? [:] : try node.mapping(allowed: ["body"])
            return .statusLookup(body: try fields["body"].map(text))
        case "request": return .request(try request(node))
        case "wait": return .wait(try wait(node))
        case "disconnect":
            guard isEmpty else { throw node.error(.invalidValue, "disconnect takes no settings") }
            return .disconnect
        default:
            let hex = try node.string().filter { !$0.isWhitespace }
            guard hex.count.isMultiple(of: 2), !hex.isEmpty, hex.allSatisfy(\.isHexDigit) else {
                throw node.error(.invalidValue, "raw needs hex bytes, e.g. \"10 0c 00 04 4d 51 54 54\"")
            }
            let digits = Array(hex)
            return .raw(stride(from: 0, to: digits.count, by: 2).compactMap { UInt8(String(digits[$0...$0 + 1]), radix: 16) })
        }
    }

    /// A payload or body: a string as it is, or YAML turned into JSON text.
    static func text(_ node: YAMLNode) throws -> String {
        if case .scalar(let scalar) = node.node, scalar.style != .plain || !["null", "~", "true", "false"].contains(scalar.string) && Double(scalar.string) == nil {
            return scalar.string
        }
        return try node.jsonText()
    }

    static func connect(_ node: YAMLNode) throws -> ConnectAction {
        let fields = try node.mapping(allowed: ["clientId", "username", "password", "sas", "certificate", "keepAlive", "cleanSession"])
        var action = ConnectAction()
        if let value = fields["clientId"] { action.clientID = try value.string() }
        if let value = fields["username"] { action.username = try value.string() }
        if let value = fields["keepAlive"] { action.keepAliveSeconds = UInt16(try value.int(in: 0...65_535)) }
        if let value = fields["cleanSession"] { action.cleanSession = try value.bool() }
        if let value = fields["certificate"] { action.useCertificate = try value.bool() }
        if let password = fields["password"], fields["sas"] != nil {
            throw password.error(.invalidValue, "give password or sas, not both")
        }
        if let password = fields["password"] {
            action.password = .text(try password.string())
        } else if let sas = fields["sas"] {
            action.password = .sas(try sasForm(sas))
        } else if action.useCertificate {
            action.password = .omitted
        }
        return action
    }

    static func sasForm(_ node: YAMLNode) throws -> SASForm {
        var form = SASForm()
        if case .scalar = node.node, try node.bool() { return form }
        let fields = try node.mapping(allowed: ["sr", "skn", "order", "key", "lifetimeSeconds", "registrationId"])
        if let sr = fields["sr"] { form.encoding = try sr.choice(["upper": .upperHex, "lower": .lowerHex, "raw": .raw]) }
        if let skn = fields["skn"] {
            let name = try skn.string()
            form.keyName = name == "none" ? nil : name
        }
        if let order = fields["order"] {
            let names = try order.sequence().map { try $0.string() }
            guard Set(names) == ["sr", "sig", "se", "skn"], names.count == 4 else {
                throw order.error(.invalidValue, "order lists sr, sig, se and skn, each once")
            }
            form.fieldOrder = names
        }
        if let key = fields["key"] { form.wrongKey = try key.choice(["device": false, "wrong": true]) }
        if let lifetime = fields["lifetimeSeconds"] { form.lifetimeSeconds = try lifetime.int(in: -86_400...31_536_000) }
        if let id = fields["registrationId"] { form.registrationID = try id.string() }
        return form
    }

    static func request(_ node: YAMLNode) throws -> HTTPRequestAction {
        let fields = try node.mapping(allowed: ["method", "path", "headers", "body", "sas"])
        guard let method = fields["method"], let path = fields["path"] else { throw node.error(.missingField, "request needs method and path") }
        let methodText = try method.string()
        guard !methodText.isEmpty, methodText.allSatisfy({ $0.isLetter && $0.isUppercase }) else {
            throw method.error(.invalidValue, "method is an upper-case HTTP method such as PUT")
        }
        var request = HTTPRequestAction(method: methodText, path: try path.string(), body: try fields["body"].map(text))
        if let headersNode = fields["headers"] {
            guard case .mapping(let mapping) = headersNode.node else { throw headersNode.error(.wrongType, "headers is a mapping of name: value") }
            for (key, value) in mapping {
                guard let name = key.string, !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }),
                      let text = value.string else {
                    throw headersNode.error(.invalidValue, "a header is name: value, the name of letters, digits, '-' and '_'")
                }
                request.headers.append((name, text))
            }
        }
        if let sas = fields["sas"] { request.sas = try sasForm(sas) }
        return request
    }

    static func wait(_ node: YAMLNode) throws -> WaitAction {
        if case .scalar = node.node { return try node.choice(["response": .response, "retryAfter": .retryAfter]) }
        let fields = try node.mapping(allowed: ["for", "seconds"])
        if let seconds = fields["seconds"] { return .seconds(Double(try seconds.int(in: 0...600))) }
        guard let what = fields["for"] else { throw node.error(.missingField, "wait needs for: response | retryAfter, or seconds: N") }
        return try what.choice(["response": .response, "retryAfter": .retryAfter])
    }
}
