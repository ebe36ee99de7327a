import Foundation

/// A value the harness hands an external device for one case: in braces in the command
/// (`{registrationId}`), shell-quoted, and in the environment (`DPS_REGISTRATION_ID`).
public enum Placeholder: String, Sendable, Hashable, CaseIterable, Codable {
    case host, mqttPort, httpsPort, idScope, registrationId, caFile, certFile, keyFile, chainFile
    case symmetricKey, groupKey, udsFile, firmwareFile, mapFile, transport, deadlineSeconds, workDir
    /// The custom payload the register request carries (`payload.json`), when the scenario has one.
    case payloadFile
    /// The lifetime of the SAS tokens the device makes, in seconds (the scenario's, default 3,600).
    case tokenLifetimeSeconds
    /// The mutant a case names, in runs with `--external-mutants` (the project's own test of
    /// the device-command path: `dpsconform provision --from-environment` plays it).
    case mutant

    /// The environment variable with the same value.
    public var environmentName: String {
        var name = "DPS_"
        for character in rawValue {
            if character.isUppercase { name += "_" }
            name += character.uppercased()
        }
        return name
    }

    /// Whether the value is a secret: it is never written to a report or log.
    public var isSecret: Bool { self == .symmetricKey || self == .groupKey }

    /// What a case lacks when it cannot fill this placeholder.
    var absence: String {
        switch self {
        case .certFile, .keyFile, .chainFile: "the case's device has no X.509 certificate"
        case .symmetricKey: "the case's device has no symmetric key"
        case .groupKey: "the case's device is not in a symmetric-key enrollment group"
        case .udsFile, .firmwareFile, .mapFile: "the case's device has no DevKit DICE identity"
        case .httpsPort: "the case's fake offers no HTTPS"
        case .mqttPort: "the case's fake offers no MQTT"
        case .mutant: "the case names no mutant"
        case .payloadFile: "the case's device sends no custom payload"
        default: "the case has no \(rawValue)"
        }
    }
}

/// A device command as the user wrote it, with its placeholders found and checked once, when
/// the run starts: `{name}` is a placeholder; `${NAME}` is left to the shell.
public struct DeviceCommandTemplate: Sendable, Hashable {
    public enum Part: Sendable, Hashable {
        case text(String)
        case placeholder(Placeholder)
    }

    public let text: String
    public let parts: [Part]

    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    public init(_ text: String) throws {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw Error(description: "--device-command is empty") }
        self.text = text
        var parts: [Part] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let previous = index > text.startIndex ? text[text.index(before: index)] : nil
            if character == "{", previous != "$", let close = text[index...].firstIndex(of: "}") {
                let name = String(text[text.index(after: index)..<close])
                if name.first?.isLetter == true, name.allSatisfy({ $0.isLetter || $0.isNumber }) {
                    guard let placeholder = Placeholder(rawValue: name) else {
                        let column = text.distance(from: text.startIndex, to: index) + 1
                        let known = Placeholder.allCases.map { "{\($0.rawValue)}" }.joined(separator: " ")
                        throw Error(description: "--device-command, column \(column): unknown placeholder {\(name)}; the placeholders are \(known)")
                    }
                    if !literal.isEmpty { parts.append(.text(literal)) }
                    literal = ""
                    parts.append(.placeholder(placeholder))
                    index = text.index(after: close)
                    continue
                }
            }
            literal.append(character)
            index = text.index(after: index)
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        self.parts = parts
    }

    /// The placeholders the command uses.
    public var placeholders: [Placeholder] {
        parts.compactMap { if case .placeholder(let value) = $0 { value } else { nil } }
    }

    /// The command with each placeholder replaced by its shell-quoted value, or the first
    /// placeholder the case cannot fill.
    public func expand(_ values: [Placeholder: String]) -> Result<String, MissingPlaceholder> {
        var command = ""
        for part in parts {
            switch part {
            case .text(let text): command += text
            case .placeholder(let placeholder):
                guard let value = values[placeholder] else { return .failure(MissingPlaceholder(placeholder: placeholder)) }
                command += Self.shellQuoted(value)
            }
        }
        return .success(command)
    }

    /// `value` in single quotes for /bin/sh (a quote inside becomes `'\''`).
    public static func shellQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// A placeholder the case cannot fill: the case is skipped, saying why.
public struct MissingPlaceholder: Error, Sendable, Hashable {
    public let placeholder: Placeholder
    public var reason: String { "the device command uses {\(placeholder.rawValue)}, and \(placeholder.absence)" }
}
