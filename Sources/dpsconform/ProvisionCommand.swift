import ArgumentParser
import DPSCore
import Device
import Foundation

/// `dpsconform provision`: the reference client against any endpoint, result as JSON.
struct ProvisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Provision one device with the reference client and print the result as JSON.",
        discussion: "Exit codes: 0 assigned, 1 any other outcome, 2 bad input, 3 no connection could be made.")

    @Option(name: .long, help: "Endpoint HOST[:PORT] (default: \(ServiceEndpoint.globalHost):8883).")
    var endpoint: String?

    @Option(name: .long, help: "Endpoint file written by 'dpsconform serve' (host, port, ID scope, CA).")
    var endpointFile: String?

    @Option(name: .long, help: "Transport: mqtt.")
    var transport: String = "mqtt"

    @Option(name: .long, help: "ID scope (taken from the endpoint file when given).")
    var idScope: String?

    @Option(name: .long, help: "Registration ID.")
    var registrationId: String

    @Option(name: .long, help: "Individual enrollment key (base64).")
    var symmetricKey: String?

    @Option(name: .long, help: "Enrollment group key (base64); the device key is derived from it.")
    var groupKey: String?

    @Option(name: .long, help: "CA file (PEM) that signs the server certificate (default: the system trust store).")
    var ca: String?

    @Option(name: .long, help: "Custom payload JSON for the register request.")
    var payload: String?

    @Option(name: .long, help: "Overall deadline in seconds.")
    var timeout: Int = 300

    @Option(name: .long, help: "api-version to request.")
    var apiVersion: String = APIVersion.deviceDefault

    func validate() throws {
        guard transport == "mqtt" else { throw ValidationError("--transport \(transport) is not supported yet; use mqtt") }
        guard (symmetricKey == nil) != (groupKey == nil) else { throw ValidationError("give exactly one of --symmetric-key and --group-key") }
        for (flag, key) in [("--symmetric-key", symmetricKey), ("--group-key", groupKey)] {
            if let key, Data(base64Encoded: key)?.isEmpty ?? true { throw ValidationError("\(flag) is not base64") }
        }
        guard (1...86_400).contains(timeout) else { throw ValidationError("--timeout must be 1...86400 seconds") }
        do { try RegistrationIDPolicy.documented.validate(registrationId) } catch let error as DPSCoreError {
            throw ValidationError("--registration-id: \(error.description)")
        }
        if let payload, (try? JSONSerialization.jsonObject(with: Data(payload.utf8), options: [.fragmentsAllowed])) == nil {
            throw ValidationError("--payload is not JSON")
        }
        if endpoint != nil, endpointFile != nil { throw ValidationError("give --endpoint or --endpoint-file, not both") }
    }

    func run() async throws {
        let target = try resolveEndpoint()
        let credential: DeviceCredential = groupKey.map { .groupKey($0) } ?? .symmetricKey(symmetricKey ?? "")
        let settings = ProvisioningSettings(endpoint: target, registrationID: registrationId, credential: credential,
                                            apiVersion: apiVersion, payloadJSON: payload, deadline: .seconds(timeout))
        let client = ReferenceClient(settings: settings, clock: SystemClock()) {
            MQTTDeviceTransport(host: target.host, port: target.mqttPort ?? 8883, caFile: target.caFile)
        }
        let outcome = await client.provision()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(outcome)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        print(json)
        switch outcome.status {
        case .assigned: return
        case .connectionFailed: throw ExitCode(ExitStatus.harnessFailed)
        default: throw ExitCode(ExitStatus.checkFailed)
        }
    }

    private func resolveEndpoint() throws -> ServiceEndpoint {
        if let endpointFile {
            guard let data = FileManager.default.contents(atPath: endpointFile) else {
                throw Failure(status: ExitStatus.badInput, message: "\(endpointFile): cannot read the endpoint file")
            }
            do {
                var endpoint = try JSONDecoder().decode(ServiceEndpoint.self, from: data)
                if let idScope { endpoint.idScope = idScope }
                if let ca { endpoint.caFile = ca }
                return endpoint
            } catch {
                throw Failure(status: ExitStatus.badInput, message: "\(endpointFile): not an endpoint file: \(error)")
            }
        }
        guard let idScope else { throw Failure(status: ExitStatus.badInput, message: "--id-scope is required without --endpoint-file") }
        var host = ServiceEndpoint.globalHost
        var port = 8883
        if let endpoint {
            let parts = endpoint.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 2, let value = Int(parts[1]), (1...65535).contains(value) {
                host = String(parts[0])
                port = value
            } else if parts.count == 1 {
                host = endpoint
            } else {
                throw Failure(status: ExitStatus.badInput, message: "--endpoint '\(endpoint)' is not HOST[:PORT]")
            }
        }
        return ServiceEndpoint(host: host, mqttPort: port, httpsPort: nil, idScope: idScope, caFile: ca)
    }
}
