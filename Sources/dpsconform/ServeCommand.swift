import ArgumentParser
import DPSCore
import FakeDPS
import Foundation
import Logging
import Inputs

/// `dpsconform serve`: the fake DPS for outside clients, until SIGINT or SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start the built-in fake DPS and write its endpoint file (host, ports, ID scope, CA path).",
        discussion: """
            Every phase of a connection has a deadline (TLS handshake, CONNECT, MQTT idle, HTTP request \
            head, body, keep-alive idle); a connection that misses one is closed. At most --max-connections \
            are open at once; the next is accepted and closed at once. Memory stays bounded: a window of \
            the newest wire events is kept (large payloads as SHA-256 and length), operations are kept \
            --operation-retention seconds. See docs/enrollments.md, "Connection limits of serve".
            """)

    @Option(name: .long, help: "Address to listen on (loopback by default).")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "MQTT-over-TLS port; 0 picks a free one.")
    var mqttPort: Int = 8883

    @Option(name: .long, help: "HTTPS (REST) port; 0 picks a free one. Without it HTTPS is off.")
    var httpsPort: Int?

    @Option(name: .long, help: "The service's ID scope.")
    var idScope: String = "0ne0000FAKE"

    @Option(name: .long, help: "Enrollment file (YAML, see docs/enrollments.md).")
    var enrollments: String

    @Option(name: .long, help: "Directory for endpoint.json and the run's CA and server certificate.")
    var stateDir: String = ".dpsconform/serve"

    @Option(name: .long, help: "Keep the CA that signs the server certificate in this directory (created on first use, reused after), so a board trusts it once.")
    var serverCaDir: String?

    @Option(name: .long, help: "A host name or address to put in the server certificate besides localhost and loopback (repeatable).")
    var serverName: [String] = []

    @Option(name: .long, help: "Polls answered 'assigning' before a registration is assigned.")
    var assigningPolls: Int = 1

    @Option(name: .long, help: "retry-after sent with every 202, in seconds.")
    var retryAfter: Int = 3

    @Option(name: .long, help: "How a failed attestation surfaces on MQTT: respond401 or connackNotAuthorized.")
    var authFailure: String = MQTTAuthFailureMode.respond401.rawValue

    @Option(name: .long, help: "Event-loop threads serving connections (default: one per core, \(ProcessInfo.processInfo.activeProcessorCount) here).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "Open connections over both front ends; the next is accepted and closed at once, recorded as overloaded.")
    var maxConnections: Int = ConnectionLimits.defaults.maximumConnections

    @Option(name: .long, help: "Seconds from accept to the end of the TLS handshake.")
    var tlsHandshakeTimeout: Double = ConnectionLimits.defaults.tlsHandshake.seconds

    @Option(name: .long, help: "Seconds from the TLS handshake to a whole MQTT CONNECT.")
    var connectTimeout: Double = ConnectionLimits.defaults.connect.seconds

    @Option(name: .long, help: "Seconds an MQTT connection with keepalive 0 may go without a whole packet (with a keepalive, 1.5 times it applies).")
    var mqttIdleTimeout: Double = ConnectionLimits.defaults.mqttIdle.seconds

    @Option(name: .long, help: "Seconds from the TLS handshake or a request's first byte to its whole HTTP head.")
    var requestHeadTimeout: Double = ConnectionLimits.defaults.requestHead.seconds

    @Option(name: .long, help: "Seconds from an HTTP request head to the end of its body.")
    var requestBodyTimeout: Double = ConnectionLimits.defaults.requestBody.seconds

    @Option(name: .long, help: "Seconds an HTTP keep-alive connection may wait for its next request.")
    var httpIdleTimeout: Double = ConnectionLimits.defaults.httpIdle.seconds

    @Option(name: .long, help: "Seconds a registration operation is kept after it was created; later polls for it get 404.")
    var operationRetention: Double = 3600

    @Option(name: .long, help: "Wire events kept in memory (the newest; older ones are dropped).")
    var transcriptEvents: Int = 5_000

    @Option(name: .long, help: "Raw bytes and payload text kept per event; larger payloads are kept as SHA-256 and length.")
    var transcriptBytes: Int = 4 * 1024

    @Option(name: .long, help: "Clock seconds an operation stays 'assigning' after register.")
    var assigningSeconds: Int = 0

    @Option(name: .long, help: "Expiry tolerance of SAS tokens, in seconds.")
    var sasClockSkew: Int = 300

    @Option(name: .long, help: "Registration-ID rule: documented, spec or legacyLowercase.")
    var registrationIdPolicy: String = "documented"

    @Flag(name: .long, inversion: .prefixedNo, help: "The MQTT client id must equal the registration ID of the username.")
    var requireClientIdMatch = true

    @Flag(name: .long, inversion: .prefixedNo, help: "An X.509 device's certificate CN must equal its registration ID.")
    var requireCommonNameMatch = true

    @Option(name: .long, help: "Per-device poll limit COUNT/SECONDS, or 'off' (DPS: 5/10).")
    var pollLimit: String = "5/10"

    @Option(name: .long, help: "Per-device register limit COUNT/SECONDS, or 'off'.")
    var registerLimit: String = "off"

    @Option(name: .long, help: "Service-wide operation limit COUNT/SECONDS, or 'off' to measure the fake at capacity (DPS: 1000/60 per unit).")
    var serviceLimit: String = "1000/60"

    @Option(name: .long, help: "A server certificate a conforming client refuses: none, expired, wrongHostName or untrustedCA.")
    var serverCertificate: String = "none"

    @Option(name: .long, help: "TLS versions accepted: any, tls12Only or tls13Only.")
    var tlsVersions: String = "any"

    /// `COUNT/SECONDS` or `off`.
    static func rateLimit(_ text: String, flag: String) throws -> RateLimit? {
        if text == "off" { return nil }
        let parts = text.split(separator: "/")
        guard parts.count == 2, let count = Int(parts[0]), (1...1_000_000).contains(count),
              let seconds = Int(parts[1]), (1...86_400).contains(seconds) else {
            throw ValidationError("\(flag) must be COUNT/SECONDS (1...1000000 per 1...86400 s) or off, not '\(text)'")
        }
        return RateLimit(count: count, window: .seconds(seconds))
    }

    func validate() throws {
        guard (0...86_400).contains(assigningSeconds) else { throw ValidationError("--assigning-seconds must be 0...86400") }
        guard (0...86_400).contains(sasClockSkew) else { throw ValidationError("--sas-clock-skew must be 0...86400") }
        guard RegistrationIDPolicy(rawValue: registrationIdPolicy) != nil else {
            throw ValidationError("--registration-id-policy must be one of: \(RegistrationIDPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for (flag, value) in [("--poll-limit", pollLimit), ("--register-limit", registerLimit), ("--service-limit", serviceLimit)] {
            _ = try Self.rateLimit(value, flag: flag)
        }
        guard ServerCertificateFault(rawValue: serverCertificate) != nil else {
            throw ValidationError("--server-certificate must be one of: \(ServerCertificateFault.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard ServerTLSVersions(rawValue: tlsVersions) != nil else {
            throw ValidationError("--tls-versions must be one of: \(ServerTLSVersions.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (0...65535).contains(mqttPort) else { throw ValidationError("--mqtt-port must be 0...65535") }
        if let httpsPort, !(0...65535).contains(httpsPort) { throw ValidationError("--https-port must be 0...65535") }
        guard (0...100_000).contains(assigningPolls) else { throw ValidationError("--assigning-polls must be 0...100000") }
        guard (0...86_400).contains(retryAfter) else { throw ValidationError("--retry-after must be 0...86400") }
        guard MQTTAuthFailureMode(rawValue: authFailure) != nil else {
            throw ValidationError("--auth-failure must be one of: \(MQTTAuthFailureMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be 1...1024") }
        guard (1...1_000_000).contains(maxConnections) else { throw ValidationError("--max-connections must be 1...1000000") }
        for (name, value) in [("--tls-handshake-timeout", tlsHandshakeTimeout), ("--connect-timeout", connectTimeout),
                              ("--mqtt-idle-timeout", mqttIdleTimeout), ("--request-head-timeout", requestHeadTimeout),
                              ("--request-body-timeout", requestBodyTimeout), ("--http-idle-timeout", httpIdleTimeout),
                              ("--operation-retention", operationRetention)] {
            guard value.isFinite, value > 0, value <= 86_400 else { throw ValidationError("\(name) must be more than 0 and at most 86400 seconds") }
        }
        guard (1...10_000_000).contains(transcriptEvents) else { throw ValidationError("--transcript-events must be 1...10000000") }
        guard (0...(1 << 20)).contains(transcriptBytes) else { throw ValidationError("--transcript-bytes must be 0...1048576") }
        do { try IDScope.validate(idScope) } catch let error as DPSCoreError { throw ValidationError("--id-scope: \(error.reason)") }
    }

    func run() async throws {
        let enrollmentSet: EnrollmentSet
        do {
            enrollmentSet = try EnrollmentFile.load(path: enrollments)
        } catch let error as InputError {
            throw Failure(status: ExitStatus.badInput, message: error.description)
        }
        var configuration = ServiceConfiguration(idScope: idScope, enrollments: enrollmentSet)
        configuration.assigningPolls = assigningPolls
        configuration.retryAfterSeconds = retryAfter
        configuration.mqttAuthFailure = MQTTAuthFailureMode(rawValue: authFailure) ?? .respond401
        configuration.operationRetention = .seconds(operationRetention)
        configuration.assigningTime = .seconds(assigningSeconds)
        configuration.sasClockSkew = .seconds(sasClockSkew)
        configuration.registrationIDPolicy = RegistrationIDPolicy(rawValue: registrationIdPolicy) ?? .documented
        configuration.requireClientIDMatch = requireClientIdMatch
        configuration.requireCommonNameMatch = requireCommonNameMatch
        configuration.pollLimit = try Self.rateLimit(pollLimit, flag: "--poll-limit")
        configuration.registerLimit = try Self.rateLimit(registerLimit, flag: "--register-limit")
        configuration.serviceLimit = try Self.rateLimit(serviceLimit, flag: "--service-limit")
        configuration.serverTLS = ServerTLSSettings(certificateFault: ServerCertificateFault(rawValue: serverCertificate) ?? .none,
                                                    versions: ServerTLSVersions(rawValue: tlsVersions) ?? .any)
        let limits = ConnectionLimits(tlsHandshake: .seconds(tlsHandshakeTimeout), connect: .seconds(connectTimeout),
                                      mqttIdle: .seconds(mqttIdleTimeout), requestHead: .seconds(requestHeadTimeout),
                                      requestBody: .seconds(requestBodyTimeout), httpIdle: .seconds(httpIdleTimeout),
                                      maximumConnections: maxConnections)
        // A long-running service keeps a bounded window of the wire, never every packet.
        let transcript = Transcript(retention: .bounded(events: transcriptEvents, rawBytes: transcriptBytes))

        var logger = Logger(label: "dpsconform.serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .info
        let server: FakeDPSServer
        do {
            var authority: ServerAuthority?
            if let serverCaDir {
                do { authority = try ServerAuthority.stable(in: URL(fileURLWithPath: serverCaDir)) } catch {
                    throw Failure(status: ExitStatus.badInput, message: "--server-ca-dir: \(error)")
                }
            }
            let names = serverName + (host == "0.0.0.0" || host == "::" ? [] : [host])
            server = try await FakeDPSServer.start(configuration: configuration, clock: SystemClock(), host: host,
                                                   mqttPort: mqttPort, httpsPort: httpsPort, transcript: transcript, logger: logger,
                                                   limits: limits, eventLoops: .dedicated(threads: threads),
                                                   identity: FakeDPSServer.ServerIdentity(adding: names, authority: authority))
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(status: ExitStatus.harnessFailed, message: "cannot listen on \(host):\(mqttPort): \(error)")
        }
        let directory = URL(fileURLWithPath: stateDir)
        do {
            let caFile = try server.tls.write(to: directory)
            let endpoint = server.endpoint(caFile: caFile.path)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(endpoint).write(to: directory.appendingPathComponent("endpoint.json"), options: .atomic)
            // Written unbuffered: scripts wait for these lines before they connect.
            let https = server.httpsPort.map { " https://\(host):\($0)" } ?? ""
            let banner = "dpsconform fake DPS: mqtts://\(host):\(server.mqttPort)\(https) idScope=\(idScope) ca=\(caFile.path) enrollments=\(enrollmentSet.individuals.count)\n"
                + "endpoint file: \(directory.appendingPathComponent("endpoint.json").path)\n"
            FileHandle.standardOutput.write(Data(banner.utf8))
        } catch {
            await server.stop()
            throw Failure(status: ExitStatus.harnessFailed, message: "cannot write the state directory \(stateDir): \(error)")
        }
        let signal = await StopSignal.wait()
        logger.info("stopping on \(signal)")
        await server.stop()
    }
}

/// Waits for SIGINT or SIGTERM.
enum StopSignal {
    static func wait() async -> String {
        let (names, continuation) = AsyncStream.makeStream(of: String.self)
        var sources: [any DispatchSourceSignal] = []
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(name) }
            source.resume()
            sources.append(source)
        }
        defer { withExtendedLifetime(sources) {} }
        for await name in names { return name }
        return "end of input"
    }
}
