import DPSCore
import Device
import Foundation

/// What a running script holds between steps: its MQTT connection and the bound values.
final class ScriptState {
    var mqtt: ScriptMQTTConnection?
    /// `{name}` values: the built-in ones and those bound by earlier steps.
    var bindings: [String: String] = [:]
    /// The `$rid` of the last request published, for `wait: {for: response}`.
    var lastRequestID: String?

    /// Placeholders every script may use.
    static let builtIn: Set<String> = ["registrationId", "idScope", "apiVersion", "rid"]
    /// Values `register` and `poll` bind by themselves.
    static let automatic: Set<String> = ["operationId", "retryAfter"]

    init(registrationID: String = "", idScope: String = "") {
        bindings = ["registrationId": registrationID, "idScope": idScope, "apiVersion": APIVersion.deviceDefault]
    }

    func connection() throws(ScriptStepError) -> ScriptMQTTConnection {
        guard let mqtt, !mqtt.closed else { throw ScriptStepError("no open MQTT connection (connect first; the service may have closed it)") }
        return mqtt
    }

    /// `text` with each `{name}` replaced by its value; `rid` is this step's request ID.
    func resolve(_ text: String, rid: String?) throws(ScriptStepError) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let after = rest[rest.index(after: open)...]
            let name = after.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            // Only `{identifier}` is a placeholder; JSON braces pass through.
            guard name.first?.isLetter == true, after.dropFirst(name.count).first == "}" else {
                result += "{"
                rest = after
                continue
            }
            let value = name == "rid" ? rid : bindings[String(name)]
            guard let value else { throw ScriptStepError("placeholder {\(name)} has no value here (no earlier answer gave it)") }
            result += value
            rest = after.dropFirst(name.count + 1)
        }
        return result + rest
    }

    /// Binds the values `step` asks for (and `register`/`poll`'s own) from `answer`. A value the
    /// answer lacks is unbound, so a later step that needs it says so.
    func bind(_ step: ScriptStep, answer: ScriptAnswer) {
        guard case .response(let response) = answer else {
            for binding in step.bindings { bindings[binding.name] = nil }
            return
        }
        switch step.action {
        case .register, .poll, .publish, .request, .wait:
            if case .string(let id)? = response.json?["operationId"], !id.isEmpty { bindings["operationId"] = id }
            bindings["retryAfter"] = response.retryAfter
        default:
            break
        }
        for binding in step.bindings {
            switch binding.source {
            case .body(let path):
                let value = response.json.flatMap { path.value(in: $0) }
                bindings[binding.name] = value.map { $0.stringValue ?? $0.compactText }
            case .requestID: bindings[binding.name] = response.properties?.raw("$rid")
            case .retryAfter: bindings[binding.name] = response.retryAfter
            case .status: bindings[binding.name] = String(response.status)
            }
        }
    }
}
