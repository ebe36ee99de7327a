import Crypto
import DPSCore
import FakeDPS
import Fleet
import Foundation
import Inputs
import Logging

/// `bench fleet`'s flags, checked: where the devices go and how they sign. Every refusal is bad
/// input (exit 2) and names the flag; no message ever holds a key.
struct FleetInput {
    var transport: FleetTransport
    /// nil: the fake in process.
    var target: (host: String, port: Int)?
    var caPEM: String?
    var idScope: String
    var credentials: FleetCredentials
    var command: BenchFleetCommand
    var shard: FleetShard
    var rate: Double?

    static func parse(_ command: BenchFleetCommand) throws -> FleetInput {
        guard let transport = FleetTransport(rawValue: command.transport) else {
            throw bad("--transport must be mqtt, https or mqtt-broker, got '\(command.transport)'")
        }
        let shard: FleetShard
        do { shard = try command.shard.map { try FleetShard(parsing: $0) } ?? .whole } catch { throw bad("\(error)") }
        guard command.timeout > 0, command.timeout <= 3600 else { throw bad("--timeout must be above 0 and at most 3600 seconds") }
        guard (1...1000).contains(command.maxPolls) else { throw bad("--max-polls must be 1...1000") }
        if let rate = command.rate, !(rate > 0 && rate.isFinite) { throw bad("--rate must be a number of requests per second above 0") }
        if command.groupKey != nil, command.groupKeyEnv != nil { throw bad("give --group-key or --group-key-env, not both") }
        guard ["symmetric-key", "x509"].contains(command.attestation) else {
            throw bad("--attestation must be symmetric-key or x509, got '\(command.attestation)'")
        }
        let x509 = command.attestation == "x509"
        if !x509, command.x509CaCert != nil || command.x509CaKey != nil { throw bad("--x509-ca-cert and --x509-ca-key need --attestation x509") }
        if x509, transport == .mqttBroker { throw bad("--attestation x509 is for DPS transports (mqtt, https)") }
        // Ranges first, before anything starts.
        do {
            try FleetSettings(transport: transport, host: "127.0.0.1", port: 1, trustedCAPEM: nil, idScope: "x", credentials: .groupKey(""),
                              devices: command.devices, concurrency: command.concurrency, registrationIDPrefix: command.prefix).validate()
        } catch { throw bad("\(error)") }
        let caPEM = try command.ca.map { path -> String in
            do { return try String(contentsOfFile: path, encoding: .utf8) } catch { throw bad("--ca \(path): cannot read it") }
        }
        guard let targetText = command.target else {
            guard transport != .mqttBroker else { throw bad("--transport mqtt-broker needs --target mqtts://HOST:PORT (a broker)") }
            guard (0...3600).contains(command.retryAfter) else { throw bad("--retry-after must be 0...3600") }
            guard (0...100).contains(command.assigningPolls) else { throw bad("--assigning-polls must be 0...100") }
            for (flag, value) in [("--ca", command.ca), ("--id-scope", command.idScope), ("--group-key", command.groupKey),
                                  ("--group-key-env", command.groupKeyEnv), ("--enrollment-file", command.enrollments),
                                  ("--x509-ca-cert", command.x509CaCert), ("--x509-ca-key", command.x509CaKey)] where value != nil {
                throw bad("\(flag) is for --target; the in-process fake makes its own")
            }
            let credentials: FleetCredentials
            if x509 {
                do { credentials = .x509(try FleetCertificateAuthority.make()) } catch {
                    throw Failure(status: ExitStatus.harnessFailed, message: "bench fleet: cannot make the fleet's CA: \(error)")
                }
            } else {
                credentials = .groupKey(Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString())
            }
            return FleetInput(transport: transport, target: nil, caPEM: nil, idScope: "0ne0000FLEET", credentials: credentials,
                              command: command, shard: shard, rate: command.rate)
        }
        let target = try parseTarget(targetText, transport: transport)
        let idScope = command.idScope ?? ""
        guard transport == .mqttBroker || (!idScope.isEmpty && idScope.count <= 64 && idScope.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })) else {
            throw bad("--target needs --id-scope (letters and digits)")
        }
        let credentials = try parseCredentials(command, transport: transport)
        // A real endpoint is someone's service: never unthrottled unless asked for.
        let rate = command.rate ?? (FleetSettings.isLoopback(target.host) ? nil : 2)
        return FleetInput(transport: transport, target: target, caPEM: caPEM, idScope: idScope, credentials: credentials,
                          command: command, shard: shard, rate: rate)
    }

    static func parseTarget(_ text: String, transport: FleetTransport) throws -> (host: String, port: Int) {
        let scheme = transport == .https ? "https://" : "mqtts://"
        guard text.lowercased().hasPrefix(scheme) else { throw bad("--target for \(transport.rawValue) must start with \(scheme), got '\(text)'") }
        var rest = String(text.dropFirst(scheme.count))
        if rest.hasSuffix("/") { rest.removeLast() }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(port) else {
            throw bad("--target must be \(scheme)HOST:PORT with a port 1...65535, got '\(text)'")
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("/"), !host.contains("@") else { throw bad("--target host is empty or not a host: '\(text)'") }
        return (host, port)
    }

    static func parseCredentials(_ command: BenchFleetCommand, transport: FleetTransport) throws -> FleetCredentials {
        if command.attestation == "x509" {
            guard command.groupKey == nil, command.groupKeyEnv == nil, command.enrollments == nil else {
                throw bad("--attestation x509 takes --x509-ca-cert and --x509-ca-key, not a group key or --enrollment-file")
            }
            guard let certPath = command.x509CaCert, let keyPath = command.x509CaKey else {
                throw bad("--attestation x509 with --target needs --x509-ca-cert and --x509-ca-key")
            }
            let certPEM: String, keyPEM: String
            do { certPEM = try String(contentsOfFile: certPath, encoding: .utf8) } catch { throw bad("--x509-ca-cert \(certPath): cannot read it") }
            do { keyPEM = try String(contentsOfFile: keyPath, encoding: .utf8) } catch { throw bad("--x509-ca-key \(keyPath): cannot read it") }
            do { return .x509(try FleetCertificateAuthority(certificatePEM: certPEM, keyPEM: keyPEM)) } catch { throw bad(error.message) }
        }
        var key = command.groupKey
        if let variable = command.groupKeyEnv {
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                throw bad("--group-key-env \(variable): the variable is not set or empty")
            }
            key = value
        }
        if let key {
            guard command.enrollments == nil else { throw bad("give a group key or --enrollment-file, not both") }
            guard let decoded = Data(base64Encoded: key), !decoded.isEmpty else { throw bad("the group key is not base64 (its value is not shown)") }
            return .groupKey(key)
        }
        if let path = command.enrollments {
            let set: EnrollmentSet
            do { set = try EnrollmentFile.load(path: path) } catch { throw bad("--enrollment-file: \(error)") }
            let keys = set.individuals.compactMap { enrollment -> (registrationID: String, key: String)? in
                if case .symmetricKey(let primary, _) = enrollment.attestation { return (enrollment.registrationID, primary) }
                return nil
            }
            guard !keys.isEmpty else { throw bad("--enrollment-file \(path) has no symmetric-key individual enrollment") }
            return .individualKeys(keys)
        }
        if transport == .mqttBroker { return .groupKey(Data(repeating: 0, count: 32).base64EncodedString()) }
        throw bad("--target needs --group-key, --group-key-env or --enrollment-file")
    }

    static func bad(_ message: String) -> Failure {
        Failure(status: ExitStatus.badInput, message: "bench fleet: " + message)
    }

    /// Starts the fake in process when there is no target: a group enrollment, throttling off,
    /// one event-loop thread per core.
    func startFakeIfNeeded() async throws -> FakeDPSServer? {
        guard target == nil else { return nil }
        let attestation: GroupAttestation
        switch credentials {
        case .groupKey(let key): attestation = .symmetricKey(primaryKey: key, secondaryKey: nil)
        case .x509(let authority):
            do { attestation = .x509CA(primary: try authority.certificateDER, secondary: nil) } catch {
                throw Failure(status: ExitStatus.harnessFailed, message: "bench fleet: cannot encode the fleet's CA: \(error)")
            }
        case .individualKeys: return nil
        }
        var configuration = ServiceConfiguration(idScope: idScope, enrollments: EnrollmentSet(groups: [
            EnrollmentGroup(groupID: "fleet", attestation: attestation, allocation: .static(hub: "fleet-hub.azure-devices.net"))]),
                                                 assigningPolls: command.assigningPolls, retryAfterSeconds: command.retryAfter)
        configuration.pollLimit = nil
        configuration.registerLimit = nil
        configuration.serviceLimit = nil
        configuration.operationRetention = .seconds(3600)
        do {
            return try await FakeDPSServer.start(configuration: configuration, clock: SystemClock(),
                                                 httpsPort: transport == .https ? 0 : nil,
                                                 transcript: Transcript(retention: .bounded(events: 1000, rawBytes: 256)),
                                                 logger: Logger(label: "dpsconform.fleet", factory: { _ in SwiftLogNoOpLogHandler() }),
                                                 limits: ConnectionLimits(maximumConnections: max(1024, command.concurrency * 2)),
                                                 eventLoops: .perCore)
        } catch {
            throw Failure(status: ExitStatus.harnessFailed, message: "bench fleet: the in-process fake did not start: \(error)")
        }
    }

    func settings(fake: FakeDPSServer?) throws -> FleetSettings {
        let host = fake?.host ?? target?.host ?? "127.0.0.1"
        let port = fake.map { transport == .https ? ($0.httpsPort ?? 0) : $0.mqttPort } ?? target?.port ?? 0
        let settings = FleetSettings(transport: transport, host: host, port: port, trustedCAPEM: fake?.tls.caCertificatePEM ?? caPEM,
                                     idScope: idScope, credentials: credentials, devices: command.devices, concurrency: command.concurrency,
                                     shard: shard, registrationIDPrefix: command.prefix, requestsPerSecond: rate,
                                     waitLimit: .milliseconds(Int64(command.timeout * 1000)), maximumPolls: command.maxPolls)
        do { try settings.validate() } catch { throw Self.bad(error.description) }
        return settings
    }
}
