import TestSupport
import DPSCore
import Foundation
import Testing

/// Microsoft's Python device SDK (azure-iot-device, from PyPI) provisioning against
/// `dpsconform serve`. The test script (ci/test.sh) makes the virtualenv and sets
/// DPSCONFORM_PYTHON; in CI the test runs and fails loudly if the interpreter is missing.
@Suite("Interoperability: azure-iot-device (Python) against dpsconform serve", .serialized,
       .enabled(if: PythonSDK.interpreter != nil || ProcessInfo.processInfo.environment["CI"] != nil))
struct PythonSDKInteropTests {
    static let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()

    static let enrollments = """
        individual:
          - registrationId: py-sdk-device-01
            symmetricKey: {primaryKey: "\(key)"}
            deviceId: py-sdk-device-01-id
            iotHub: interop-hub.azure-devices.net
        """

    @Test("symmetric key: the SDK ends assigned with the enrolled hub and device ID")
    func assigned() async throws {
        let python = try PythonSDK.requireInterpreter()
        let serve = try ServeProcess(enrollmentYAML: Self.enrollments)
        try await serve.waitUntilReady()
        let result = try await runTool(python, [PythonSDK.script, "--endpoint-file", serve.endpointFile.path,
                                                "--registration-id", "py-sdk-device-01", "--symmetric-key", Self.key])
        let log = serve.log()
        #expect(await serve.stop() == 0, "serve stops cleanly on SIGTERM")
        let outcome = try PythonSDK.outcome(result.output)
        #expect(result.status == 0, "driver output: \(result.output)\nserve log: \(log)")
        #expect(outcome["status"] == "assigned")
        #expect(outcome["assignedHub"] == "interop-hub.azure-devices.net")
        #expect(outcome["deviceId"] == "py-sdk-device-01-id")
        #expect(log.contains("py-sdk-device-01 register -> 202"), "serve logs one line per exchange")
    }

    @Test("a wrong key ends in the SDK's clean service error, not a hang")
    func wrongKey() async throws {
        let python = try PythonSDK.requireInterpreter()
        let serve = try ServeProcess(enrollmentYAML: Self.enrollments)
        try await serve.waitUntilReady()
        let wrong = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let result = try await runTool(python, [PythonSDK.script, "--endpoint-file", serve.endpointFile.path,
                                                "--registration-id", "py-sdk-device-01", "--symmetric-key", wrong, "--timeout", "40"])
        _ = await serve.stop()
        let outcome = try PythonSDK.outcome(result.output)
        #expect(result.status == 1)
        #expect(outcome["status"] == "error")
        #expect(outcome["cause"] == "ServiceError", "401 surfaces as the SDK's ServiceError: \(result.output)")
    }
}

extension PythonSDKInteropTests {
    @Test("group-derived key: the SDK signs with HMAC(group key, registration ID) and ends assigned")
    func groupDerivedKey() async throws {
        let python = try PythonSDK.requireInterpreter()
        let groupKey = Data((0..<64).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let serve = try ServeProcess(enrollmentYAML: """
            groups:
              - groupId: interop-fleet
                symmetricKey: {primaryKey: "\(groupKey)"}
                iotHub: interop-fleet-hub.azure-devices.net
            """)
        try await serve.waitUntilReady()
        let deviceKey = try DerivedDeviceKey.derive(groupKeyBase64: groupKey, registrationID: "fleet-device-42")
        let result = try await runTool(python, [PythonSDK.script, "--endpoint-file", serve.endpointFile.path,
                                                "--registration-id", "fleet-device-42", "--symmetric-key", deviceKey])
        _ = await serve.stop()
        let outcome = try PythonSDK.outcome(result.output)
        #expect(outcome["status"] == "assigned", "\(result.output)")
        #expect(outcome["assignedHub"] == "interop-fleet-hub.azure-devices.net")
        #expect(outcome["deviceId"] == "fleet-device-42")
    }

    @Test("X.509 individual enrollment: the SDK presents its certificate in the TLS 1.2 handshake")
    func x509Individual() async throws {
        let python = try PythonSDK.requireInterpreter()
        let pki = try TestPKI()
        defer { pki.remove() }
        try await pki.makeDevice("device", commonName: "x509-interop-01", issuer: nil)
        let serve = try ServeProcess(enrollmentYAML: """
            individual:
              - registrationId: x509-interop-01
                x509: {certificateFile: "\(pki.path("device.pem"))"}
                iotHub: interop-x509-hub.azure-devices.net
            """)
        try await serve.waitUntilReady()
        let result = try await runTool(python, [PythonSDK.script, "--endpoint-file", serve.endpointFile.path, "--registration-id", "x509-interop-01",
                                                "--x509-cert", pki.path("device.pem"), "--x509-key", pki.path("device.key")])
        _ = await serve.stop()
        let outcome = try PythonSDK.outcome(result.output)
        #expect(outcome["status"] == "assigned", "\(result.output)")
        #expect(outcome["assignedHub"] == "interop-x509-hub.azure-devices.net")
        #expect(outcome["deviceId"] == "x509-interop-01")
    }

    @Test("X.509 group on a root CA: the SDK's chain (device + intermediate) is walked to the group")
    func x509GroupThroughIntermediate() async throws {
        let python = try PythonSDK.requireInterpreter()
        let pki = try TestPKI()
        defer { pki.remove() }
        try await pki.makeCA("root")
        try await pki.makeCA("intermediate", issuer: "root")
        try await pki.makeDevice("device", commonName: "x509-interop-02", issuer: "intermediate")
        let chain = try pki.chain("device-chain.pem", ["device", "intermediate"])
        let serve = try ServeProcess(enrollmentYAML: """
            groups:
              - groupId: interop-x509-fleet
                x509: {caCertificateFile: "\(pki.path("root.pem"))"}
                iotHub: interop-x509-fleet.azure-devices.net
            """)
        try await serve.waitUntilReady()
        let result = try await runTool(python, [PythonSDK.script, "--endpoint-file", serve.endpointFile.path, "--registration-id", "x509-interop-02",
                                                "--x509-cert", chain, "--x509-key", pki.path("device.key")])
        _ = await serve.stop()
        let outcome = try PythonSDK.outcome(result.output)
        #expect(outcome["status"] == "assigned", "\(result.output)")
        #expect(outcome["assignedHub"] == "interop-x509-fleet.azure-devices.net")
        #expect(outcome["deviceId"] == "x509-interop-02")
    }
}

enum PythonSDK {
    /// The virtualenv interpreter with azure-iot-device installed.
    static var interpreter: String? {
        if let path = ProcessInfo.processInfo.environment["DPSCONFORM_PYTHON"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let local = repositoryRoot.appendingPathComponent(".venv-interop/bin/python").path
        return FileManager.default.isExecutableFile(atPath: local) ? local : nil
    }

    static func requireInterpreter() throws -> String {
        guard let interpreter else {
            throw InteropError("no Python with azure-iot-device: run ci/setup-interop-venv.sh (or ci/test.sh) first")
        }
        return interpreter
    }

    static var script: String { repositoryRoot.appendingPathComponent("ci/interop/python_sdk_provision.py").path }

    static var repositoryRoot: URL { Checkout.root }

    /// The driver's one JSON line as strings.
    static func outcome(_ output: String) throws -> [String: String] {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw InteropError("the driver printed no JSON: \(output)")
        }
        return object.compactMapValues { $0 as? String }
    }
}
