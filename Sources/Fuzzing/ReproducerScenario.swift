import Foundation

/// A self-contained scenario file that replays one violating case with `dpsconform run FILE`
/// (docs/scenarios.md): the fake set up as in the fuzz run, the device with the case's ID and
/// credentials, and the outcome the oracle wanted, so the run fails where the fuzz case did.
struct ReproducerScenario {
    var scenarioID: String
    var title: String
    var comment: [String]
    var transport: FuzzTransport
    var profile: RegistrationIDProfile
    var registrationID: String
    /// `reference` or `mutant:NAME`.
    var deviceProfile: String
    enum Credential {
        case groupKey
        case x509(chainPEM: String, keyPEM: String, groupCAPEM: String?, individualPEM: String?)
    }
    var credential: Credential
    /// Outcomes the oracle accepts (`assigned`, or `rejected` and `connectionFailed`).
    var outcomes: [String]
    /// The error code a refusal must carry, when the violation was an undocumented one.
    var errorCode: Int?

    var yaml: String {
        var lines = comment.map { "# " + $0.replacingOccurrences(of: "\n", with: " ") }
        lines += [
            "suite: fuzz-reproducers",
            "description: A case dpsconform fuzz found violating its oracle, replayed by a device against the fake.",
            "scenarios:",
            "  - id: \(scenarioID)",
            "    title: \(Self.quoted(title))",
            "    matrix: {transport: [\(transport.rawValue)]}",
            "    service: {idScope: \(FuzzServiceSetup.idScope), registrationIdPolicy: \(profile.policy.rawValue), pollLimit: off, serviceLimit: off}",
        ]
        switch credential {
        case .groupKey:
            lines += [
                "    enrollments:",
                "      groups:",
                "        - {groupId: fuzz-symmetric-key, symmetricKey: {primaryKey: \(Self.quoted(FuzzServiceSetup.groupKey))}, iotHub: hub-fuzz.azure-devices.net}",
                "    device:",
                "      registrationId: \(Self.quoted(registrationID))",
                "      profile: \(Self.quoted(deviceProfile))",
                "      key: {groupKey: \(Self.quoted(FuzzServiceSetup.groupKey))}",
            ]
        case .x509(let chainPEM, let keyPEM, let groupCAPEM, let individualPEM):
            lines.append("    enrollments:")
            if let individualPEM {
                lines += ["      individual:",
                          "        - {registrationId: \(Self.quoted(registrationID)), x509: {certificatePem: \(Self.quoted(individualPEM))}, iotHub: hub-fuzz.azure-devices.net}"]
            }
            if let groupCAPEM {
                lines += ["      groups:",
                          "        - {groupId: fuzz-x509, x509: {caCertificatePem: \(Self.quoted(groupCAPEM))}, iotHub: hub-fuzz.azure-devices.net}"]
            }
            lines += [
                "    device:",
                "      registrationId: \(Self.quoted(registrationID))",
                "      profile: \(Self.quoted(deviceProfile))",
                "      x509: {certificatePem: \(Self.quoted(chainPEM)), keyPem: \(Self.quoted(keyPEM))}",
            ]
        }
        lines += ["      deadlineSeconds: 30",
                  "    expect: {outcome: [\(outcomes.joined(separator: ", "))]" + (errorCode.map { ", errorCode: \($0)" } ?? "") + "}",
                  // What the oracle judged: the outcome the service gave (the device-side checks would judge the device's ID instead).
                  "    checks: [DPS-FLOW-RESULT-001]"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML double-quoted scalar with everything outside printable ASCII escaped, so any ID
    /// (NUL, noncharacters, a byte-order mark) survives the YAML reader unchanged.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case " "..."~": out.unicodeScalars.append(scalar)
            default:
                out += scalar.value <= 0xFFFF ? String(format: "\\u%04X", scalar.value) : String(format: "\\U%08X", scalar.value)
            }
        }
        return out + "\""
    }

    /// PEM of DER certificates, leaf first.
    static func pem(_ chain: [[UInt8]]) -> String {
        chain.map { der in
            let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            return "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n"
        }.joined()
    }
}
