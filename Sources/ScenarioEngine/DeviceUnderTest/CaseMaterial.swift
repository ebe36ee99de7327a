import DPSCore
import Device
import Foundation

/// The files and values a case hands its device: written into a fresh directory of the case
/// (the device's work directory), named by the placeholders of a device command, and the
/// credential the in-process device uses. Private files (keys, the UDS) have mode 0600.
struct CaseMaterial: Sendable {
    let workDirectory: URL
    var values: [Placeholder: String]
    /// The credential of the in-process reference device.
    let credential: DeviceCredential
    /// Secret values that must not appear in anything the harness writes.
    let secrets: [String]

    static func prepare(for scenario: Scenario, endpoint: ServiceEndpoint, caPEM: String, key: String?, in workDirectory: URL) throws -> CaseMaterial {
        let manager = FileManager.default
        try manager.createDirectory(at: workDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var values: [Placeholder: String] = [
            .host: endpoint.host,
            .idScope: endpoint.idScope,
            .registrationId: scenario.device.registrationID,
            .transport: scenario.transport.rawValue,
            .deadlineSeconds: String(Int(scenario.device.deadline.seconds.rounded(.up))),
            .workDir: workDirectory.path,
        ]
        values[.tokenLifetimeSeconds] = String(Int(scenario.device.tokenLifetime.seconds.rounded(.up)))
        if let payload = scenario.device.payloadJSON {
            let file = workDirectory.appendingPathComponent("payload.json")
            try Data(payload.utf8).write(to: file, options: .atomic)
            values[.payloadFile] = file.path
        }
        if let port = endpoint.mqttPort { values[.mqttPort] = String(port) }
        if let port = endpoint.httpsPort { values[.httpsPort] = String(port) }
        let caFile = workDirectory.appendingPathComponent("ca.pem")
        try Data(caPEM.utf8).write(to: caFile, options: .atomic)
        values[.caFile] = caFile.path
        var secrets: [String] = []
        let credential: DeviceCredential
        if case .groupKey(let groupKey) = scenario.device.key {
            values[.groupKey] = groupKey
            let derived = (try? DerivedDeviceKey.derive(groupKeyBase64: groupKey, registrationID: scenario.device.registrationID))
            values[.symmetricKey] = derived
            secrets += [groupKey] + (derived.map { [$0] } ?? [])
            credential = .groupKey(groupKey)
        } else if let dice = scenario.device.dice {
            let uds = workDirectory.appendingPathComponent("uds.hex")
            try writePrivate(dice.udsHex + "\n", to: uds)
            let firmware = workDirectory.appendingPathComponent("firmware.bin")
            let map = workDirectory.appendingPathComponent("firmware.map")
            try manager.copyItem(at: URL(fileURLWithPath: dice.firmwareFile), to: firmware)
            try manager.copyItem(at: URL(fileURLWithPath: dice.mapFile), to: map)
            values[.udsFile] = uds.path
            values[.firmwareFile] = firmware.path
            values[.mapFile] = map.path
            secrets.append(dice.udsHex)
            credential = .diceDevKit(udsHex: dice.udsHex, firmwareFile: dice.firmwareFile, mapFile: dice.mapFile)
        } else if let x509 = scenario.device.x509 {
            let chain = workDirectory.appendingPathComponent("device-chain.pem")
            let leaf = workDirectory.appendingPathComponent("device-cert.pem")
            let keyFile = workDirectory.appendingPathComponent("device-key.pem")
            try Data(x509.chainPEM.utf8).write(to: chain, options: .atomic)
            try Data(Self.firstCertificate(in: x509.chainPEM).utf8).write(to: leaf, options: .atomic)
            try writePrivate(x509.keyPEM, to: keyFile)
            values[.chainFile] = chain.path
            values[.certFile] = leaf.path
            values[.keyFile] = keyFile.path
            secrets.append(x509.keyPEM)
            credential = .x509(certificateFile: chain.path, keyFile: keyFile.path)
        } else {
            let symmetric = key ?? ""
            values[.symmetricKey] = symmetric
            secrets.append(symmetric)
            credential = .symmetricKey(symmetric)
        }
        return CaseMaterial(workDirectory: workDirectory, values: values, credential: credential, secrets: secrets.filter { !$0.isEmpty })
    }

    /// The placeholder values as environment variables (`DPS_HOST`, ...).
    var environment: [String: String] {
        Dictionary(uniqueKeysWithValues: values.map { ($0.key.environmentName, $0.value) })
    }

    /// `text` with every secret of the case, SAS signatures and PEM private keys removed.
    func redact(_ text: String) -> String {
        var result = Redaction.text(text)
        for secret in secrets {
            let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.count >= 8 else { continue }
            result = result.replacingOccurrences(of: trimmed, with: "REDACTED")
        }
        while let begin = result.range(of: "-----BEGIN"), let marker = result[begin.lowerBound...].range(of: "PRIVATE KEY-----"),
              result[begin.lowerBound..<marker.lowerBound].count < 40 {
            let end = result[marker.upperBound...].range(of: "PRIVATE KEY-----")?.upperBound ?? result.endIndex
            result.replaceSubrange(begin.lowerBound..<end, with: "REDACTED PRIVATE KEY")
        }
        return result
    }

    static func firstCertificate(in pem: String) -> String {
        guard let end = pem.range(of: "-----END CERTIFICATE-----") else { return pem }
        return String(pem[..<end.upperBound]) + "\n"
    }

    private static func writePrivate(_ text: String, to url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
    }
}
