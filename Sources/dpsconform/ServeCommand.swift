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
        abstract: "Start the built-in fake DPS and write its endpoint file (host, ports, ID scope, CA path).")

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

    @Option(name: .long, help: "Polls answered 'assigning' before a registration is assigned.")
    var assigningPolls: Int = 1

    @Option(name: .long, help: "retry-after sent with every 202, in seconds.")
    var retryAfter: Int = 3

    @Option(name: .long, help: "How a failed attestation surfaces on MQTT: respond401 or connackNotAuthorized.")
    var authFailure: String = MQTTAuthFailureMode.respond401.rawValue

    func validate() throws {
        guard (0...65535).contains(mqttPort) else { throw ValidationError("--mqtt-port must be 0...65535") }
        if let httpsPort, !(0...65535).contains(httpsPort) { throw ValidationError("--https-port must be 0...65535") }
        guard (0...100_000).contains(assigningPolls) else { throw ValidationError("--assigning-polls must be 0...100000") }
        guard (0...86_400).contains(retryAfter) else { throw ValidationError("--retry-after must be 0...86400") }
        guard MQTTAuthFailureMode(rawValue: authFailure) != nil else {
            throw ValidationError("--auth-failure must be one of: \(MQTTAuthFailureMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
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

        var logger = Logger(label: "dpsconform.serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .info
        let server: FakeDPSServer
        do {
            server = try await FakeDPSServer.start(configuration: configuration, clock: SystemClock(), host: host,
                                                   mqttPort: mqttPort, httpsPort: httpsPort, logger: logger)
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
