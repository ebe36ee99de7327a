import ArgumentParser
import DPSCore
import Device
import Foundation

/// `dpsconform provision`: the reference client (or a mutant) against any endpoint, result as JSON.
struct ProvisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Provision one device with the reference client and print the result as JSON.",
        discussion: """
            Credentials: exactly one of --symmetric-key, --group-key, --cert with --key, or --dice-uds with \
            --dice-bin and --dice-map. Without --endpoint or --endpoint-file the device dials \(ServiceEndpoint.globalHost) \
            with the system trust store.
            Exit codes: 0 assigned, 1 any other outcome, 2 bad input, 3 no connection could be made.
            """)

    @Option(name: .long, help: "Endpoint HOST[:PORT] (default: \(ServiceEndpoint.globalHost), port 8883 for MQTT, 443 for HTTPS).")
    var endpoint: String?

    @Option(name: .long, help: "Endpoint file written by 'dpsconform serve' (host, ports, ID scope, CA).")
    var endpointFile: String?

    @Option(name: .long, help: "Transport: mqtt or https.")
    var transport: String = "mqtt"

    @Option(name: .long, help: "ID scope (taken from the endpoint file when given).")
    var idScope: String?

    @Option(name: .long, help: "Registration ID (for X.509 and DICE: the certificate's CN).")
    var registrationId: String = ""

    @Flag(name: .long, help: "Take the endpoint, transport, ID scope, registration ID, CA, credential and deadline from the DPS_* variables 'dpsconform run --device-command' sets (flags given as well win).")
    var fromEnvironment = false

    @Option(name: .long, help: "Individual enrollment key (base64).")
    var symmetricKey: String?

    @Option(name: .long, help: "Enrollment group key (base64); the device key is derived from it.")
    var groupKey: String?

    @Option(name: .long, help: "Client certificate PEM file (leaf first, then its chain).")
    var cert: String?

    @Option(name: .long, help: "Private key PEM file of --cert.")
    var key: String?

    @Option(name: .long, help: "DevKit DICE: the UDS, 64 hex digits (or a file holding them).")
    var diceUds: String?

    @Option(name: .long, help: "DevKit DICE: the firmware .bin file.")
    var diceBin: String?

    @Option(name: .long, help: "DevKit DICE: the firmware's linker .map file.")
    var diceMap: String?

    @Option(name: .long, help: "CA file (PEM) that signs the server certificate (default: the system trust store).")
    var ca: String?

    @Option(name: .long, help: "Custom payload JSON for the register request.")
    var payload: String?

    @Option(name: .long, help: "Lifetime of the SAS tokens the device makes, in seconds (10 s to a year).")
    var tokenLifetime: Int = 3600

    @Option(name: .long, help: "Overall deadline in seconds.")
    var timeout: Int = 300

    @Option(name: .long, help: "api-version to request (default \(APIVersion.deviceDefault); \(APIVersion.certificateIssuancePreview) with --csr).")
    var apiVersion: String?

    @Flag(name: .long, help: "Ask DPS to issue a certificate: send a CSR for a fresh P-256 key, save the issued chain and the key.")
    var csr = false

    @Option(name: .long, help: "With --csr: where to save PREFIX-cert.pem and PREFIX-key.pem (default: the registration ID).")
    var csrOut: String?

    @Option(name: .long, help: "Write the device's sanitised wire transcript (JSON) to this file.")
    var transcript: String?

    @Option(name: .long, help: "The device: 'reference' or 'mutant:NAME' (\(MutantProfile.allCases.map(\.rawValue).joined(separator: ", "))).")
    var device: String = "reference"

    mutating func validate() throws {
        if fromEnvironment { try adoptEnvironment(ProcessInfo.processInfo.environment) }
        guard !registrationId.isEmpty else { throw ValidationError("--registration-id is required") }
        guard DeviceTransportKind(rawValue: transport) != nil else { throw ValidationError("--transport must be mqtt or https") }
        let kinds = [symmetricKey != nil, groupKey != nil, cert != nil || key != nil, diceUds != nil || diceBin != nil || diceMap != nil]
        guard kinds.filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one credential: --symmetric-key, --group-key, --cert/--key or --dice-uds/--dice-bin/--dice-map")
        }
        for (flag, key) in [("--symmetric-key", symmetricKey), ("--group-key", groupKey)] {
            if let key, Data(base64Encoded: key)?.isEmpty ?? true { throw ValidationError("\(flag) is not base64") }
        }
        if cert != nil || key != nil {
            guard let cert, let key else { throw ValidationError("--cert and --key go together") }
            try Self.requireReadable(cert, "--cert")
            try Self.requireReadable(key, "--key")
        }
        if diceUds != nil || diceBin != nil || diceMap != nil {
            guard diceUds != nil, let diceBin, let diceMap else { throw ValidationError("--dice-uds, --dice-bin and --dice-map go together") }
            try Self.requireReadable(diceBin, "--dice-bin")
            try Self.requireReadable(diceMap, "--dice-map")
            guard Self.udsHex(diceUds) != nil else { throw ValidationError("--dice-uds is not 64 hex digits (nor a file holding them)") }
        }
        if let ca { try Self.requireReadable(ca, "--ca") }
        guard (1...86_400).contains(timeout) else { throw ValidationError("--timeout must be 1...86400 seconds") }
        guard (10...31_536_000).contains(tokenLifetime) else { throw ValidationError("--token-lifetime must be 10...31536000 seconds") }
        // An ID from the harness is used as given: its scenarios hand out invalid IDs on purpose,
        // to see what the device sends.
        if !fromEnvironment {
            do { try RegistrationIDPolicy.documented.validate(registrationId) } catch let error as DPSCoreError {
                throw ValidationError("--registration-id: \(error.description)")
            }
        }
        if let payload, (try? JSONSerialization.jsonObject(with: Data(payload.utf8), options: [.fragmentsAllowed])) == nil {
            throw ValidationError("--payload is not JSON")
        }
        if endpoint != nil, endpointFile != nil { throw ValidationError("give --endpoint or --endpoint-file, not both") }
        if csrOut != nil, !csr { throw ValidationError("--csr-out needs --csr") }
        do { _ = try DeviceProfile(parsing: device) } catch { throw ValidationError("--device: \(error.reason)") }
    }

    func run() async throws {
        let kind = DeviceTransportKind(rawValue: transport) ?? .mqtt
        let target = try resolveEndpoint(kind)
        let profile = (try? DeviceProfile(parsing: device)) ?? .reference
        var material: CertificateSigningRequestMaterial?
        if csr {
            do {
                material = try CertificateSigningRequestMaterial.generate(registrationID: registrationId)
            } catch {
                throw Failure(status: ExitStatus.badInput, message: error.reason)
            }
        }
        let settings = ProvisioningSettings(
            endpoint: target, registrationID: registrationId, credential: credential(),
            apiVersion: apiVersion ?? (csr ? APIVersion.certificateIssuancePreview : APIVersion.deviceDefault),
            payloadJSON: payload, csr: material?.csrBase64, deadline: .seconds(timeout), sasTokenLifetime: .seconds(tokenLifetime),
            retry: RetryPolicy(jitterSeed: UInt64.random(in: 1...UInt64.max)))
        let clock = SystemClock()
        let wire = Transcript()
        let log = transcript.map { _ in DeviceWireLog(transcript: wire, clock: clock) }
        let client = ReferenceClient(settings: settings, clock: clock, profile: profile) {
            switch kind {
            case .mqtt: MQTTDeviceTransport(host: target.host, port: target.mqttPort ?? 8883, caFile: target.caFile, log: log)
            case .https: HTTPSDeviceTransport(host: target.host, port: target.httpsPort ?? 443, caFile: target.caFile, log: log)
            }
        }
        let outcome = await client.provision()
        var extra: [String: Any] = ["device": profile.name, "transport": kind.rawValue]
        if let material, let chain = outcome.issuedCertificateChain, !chain.isEmpty {
            do {
                let saved = try material.save(issuedChain: chain, prefix: csrOut ?? registrationId)
                extra["issuedCertificateFile"] = saved.certificateFile
                extra["issuedKeyFile"] = saved.keyFile
            } catch {
                extra["issuedCertificateError"] = error.reason
            }
        }
        if let transcript {
            do {
                try Self.write(wire.snapshot, to: transcript)
            } catch {
                extra["transcriptError"] = "\(transcript): \(error.localizedDescription)"
            }
        }
        print(Self.json(outcome, extra: extra))
        switch outcome.status {
        case .assigned: return
        case .connectionFailed: throw ExitCode(ExitStatus.harnessFailed)
        default: throw ExitCode(ExitStatus.checkFailed)
        }
    }

    /// Fills what the flags left open from the device command's environment (DPS_HOST, ...).
    private mutating func adoptEnvironment(_ environment: [String: String]) throws {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let host = value("DPS_HOST"), let scope = value("DPS_ID_SCOPE"), let id = value("DPS_REGISTRATION_ID") else {
            throw ValidationError("--from-environment: DPS_HOST, DPS_ID_SCOPE and DPS_REGISTRATION_ID must be set (as 'dpsconform run --device-command' sets them)")
        }
        if let kind = value("DPS_TRANSPORT"), DeviceTransportKind(rawValue: kind) != nil { transport = kind }
        guard let port = value(transport == "https" ? "DPS_HTTPS_PORT" : "DPS_MQTT_PORT") else {
            throw ValidationError("--from-environment: no port for \(transport) in DPS_\(transport.uppercased())_PORT")
        }
        if endpoint == nil, endpointFile == nil { endpoint = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
        if idScope == nil { idScope = scope }
        if registrationId.isEmpty { registrationId = id }
        if ca == nil { ca = value("DPS_CA_FILE") }
        if let seconds = value("DPS_DEADLINE_SECONDS").flatMap(Int.init) { timeout = seconds }
        if device == "reference", let mutant = value("DPS_MUTANT") { device = "mutant:" + mutant }
        if let seconds = value("DPS_TOKEN_LIFETIME_SECONDS").flatMap(Int.init) { tokenLifetime = seconds }
        if payload == nil, let file = value("DPS_PAYLOAD_FILE") {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("--from-environment: cannot read DPS_PAYLOAD_FILE \(file)")
            }
            payload = String(decoding: data, as: UTF8.self)
        }
        let given = symmetricKey != nil || groupKey != nil || cert != nil || key != nil || diceUds != nil
        guard !given else { return }
        if let uds = value("DPS_UDS_FILE") {
            diceUds = uds
            diceBin = value("DPS_FIRMWARE_FILE")
            diceMap = value("DPS_MAP_FILE")
        } else if let chain = value("DPS_CHAIN_FILE") ?? value("DPS_CERT_FILE") {
            cert = chain
            key = value("DPS_KEY_FILE")
        } else if let group = value("DPS_GROUP_KEY") {
            groupKey = group
        } else {
            symmetricKey = value("DPS_SYMMETRIC_KEY")
        }
    }

    private func credential() -> DeviceCredential {
        if let symmetricKey { return .symmetricKey(symmetricKey) }
        if let groupKey { return .groupKey(groupKey) }
        if let cert, let key { return .x509(certificateFile: cert, keyFile: key) }
        return .diceDevKit(udsHex: Self.udsHex(diceUds) ?? "", firmwareFile: diceBin ?? "", mapFile: diceMap ?? "")
    }

    private func resolveEndpoint(_ kind: DeviceTransportKind) throws -> ServiceEndpoint {
        if let endpointFile {
            guard let data = FileManager.default.contents(atPath: endpointFile) else {
                throw Failure(status: ExitStatus.badInput, message: "\(endpointFile): cannot read the endpoint file")
            }
            var endpoint: ServiceEndpoint
            do {
                endpoint = try JSONDecoder().decode(ServiceEndpoint.self, from: data)
            } catch {
                throw Failure(status: ExitStatus.badInput, message: "\(endpointFile): not an endpoint file: \(error)")
            }
            if let idScope { endpoint.idScope = idScope }
            if let ca { endpoint.caFile = ca }
            if kind == .https, endpoint.httpsPort == nil {
                throw Failure(status: ExitStatus.badInput, message: "\(endpointFile): the endpoint offers no HTTPS port")
            }
            return endpoint
        }
        guard let idScope else { throw Failure(status: ExitStatus.badInput, message: "--id-scope is required without --endpoint-file") }
        var host = ServiceEndpoint.globalHost
        var port = kind == .mqtt ? 8883 : 443
        if let endpoint {
            // HOST, HOST:PORT, [IPv6], [IPv6]:PORT
            if endpoint.hasPrefix("["), let close = endpoint.firstIndex(of: "]") {
                host = String(endpoint[endpoint.index(after: endpoint.startIndex)..<close])
                let rest = endpoint[endpoint.index(after: close)...]
                if !rest.isEmpty {
                    guard rest.hasPrefix(":"), let value = Int(rest.dropFirst()), (1...65535).contains(value) else {
                        throw Failure(status: ExitStatus.badInput, message: "--endpoint '\(endpoint)' is not HOST[:PORT]")
                    }
                    port = value
                }
            } else {
                let parts = endpoint.split(separator: ":", omittingEmptySubsequences: false)
                if parts.count == 2, !parts[0].isEmpty, let value = Int(parts[1]), (1...65535).contains(value) {
                    host = String(parts[0])
                    port = value
                } else if parts.count == 1, !endpoint.isEmpty {
                    host = endpoint
                } else {
                    throw Failure(status: ExitStatus.badInput, message: "--endpoint '\(endpoint)' is not HOST[:PORT]")
                }
            }
        }
        return ServiceEndpoint(host: host, mqttPort: kind == .mqtt ? port : nil, httpsPort: kind == .https ? port : nil,
                               idScope: idScope, caFile: ca)
    }

    /// The UDS as 64 hex digits: the value itself, or the first line of the file it names.
    private static func udsHex(_ value: String?) -> String? {
        guard let value else { return nil }
        var text = value
        if !isHex64(text), let data = FileManager.default.contents(atPath: value) {
            text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return isHex64(text) ? text : nil
    }

    private static func isHex64(_ text: String) -> Bool {
        text.utf8.count == 64 && text.allSatisfy(\.isHexDigit)
    }

    private static func requireReadable(_ path: String, _ flag: String) throws {
        guard FileManager.default.isReadableFile(atPath: path) else { throw ValidationError("\(flag): cannot read \(path)") }
    }

    /// The transcript in its documented, versioned format (docs/transcript.md).
    private static func write(_ events: [WireEvent], to path: String) throws {
        try TranscriptFile(events: events).encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The outcome as one JSON object with `extra` members added.
    private static func json(_ outcome: ProvisioningOutcome, extra: [String: Any]) -> String {
        var object: [String: Any] = [:]
        if let data = try? JSONEncoder().encode(outcome), let decoded = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            object = decoded
        }
        object.merge(extra) { _, new in new }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
