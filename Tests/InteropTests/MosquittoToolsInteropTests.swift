import DPSCore
import Foundation
import Synchronization
import Testing

/// Debian's `mosquitto_sub` and `mosquitto_pub` speaking raw MQTT to `dpsconform serve`: two
/// connections of one device; the fake routes the 202 to the subscribed one.
@Suite("Interoperability: mosquitto_pub / mosquitto_sub against dpsconform serve", .serialized)
struct MosquittoToolsInteropTests {
    @Test("subscribe, publish a register request, receive the 202 with an operationId")
    func registerRoundTrip() async throws {
        guard let sub = Self.tool("mosquitto_sub"), let pub = Self.tool("mosquitto_pub") else {
            throw InteropError("mosquitto_sub/mosquitto_pub not found: apt-get install mosquitto-clients (ci/install-deps.sh)")
        }
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let serve = try ServeProcess(enrollmentYAML: """
            individual:
              - registrationId: raw-mqtt-device
                symmetricKey: {primaryKey: "\(key)"}
                iotHub: raw-hub.azure-devices.net
            """)
        try await serve.waitUntilReady()
        let endpoint = try JSONDecoder().decode(ServiceEndpoint.self, from: Data(contentsOf: serve.endpointFile))
        let resource = SASToken.resourceText(idScope: endpoint.idScope, registrationID: "raw-mqtt-device", encoding: .upperHex)
        let token = try SASToken.create(resource: resource, keyBase64: key, expiry: Int64(Date().timeIntervalSince1970) + 3600, keyName: nil).text
        let username = MQTTUsername(idScope: endpoint.idScope, registrationID: "raw-mqtt-device").text
        let common = ["-h", "localhost", "-p", String(endpoint.mqttPort ?? 0), "--cafile", endpoint.caFile ?? "",
                      "-i", "raw-mqtt-device", "-u", username, "-P", token, "-q", "1"]
        let finished = Mutex(false)
        let subscriber = Task {
            defer { finished.withLock { $0 = true } }
            return try await runTool(sub, common + ["-t", DPSTopic.responseFilter, "-C", "1", "-v", "-W", "30"], timeout: .seconds(40))
        }
        // The fake answers only a connection that has subscribed, and nothing says when
        // mosquitto_sub has: publish again every 2 s until it has its message (at most 10 times).
        var published: (status: Int32, output: String)?
        for _ in 0..<10 {
            try await Task.sleep(for: .seconds(1))
            published = try await runTool(pub, common + ["-t", DPSTopic.register(requestID: "1"),
                                                         "-m", DeviceRegistration.wireText(registrationId: "raw-mqtt-device")])
            try await Task.sleep(for: .seconds(1))
            if finished.withLock({ $0 }) { break }
        }
        let received = try await subscriber.value
        let log = serve.log()
        _ = await serve.stop()
        #expect(published?.status == 0)
        #expect(received.status == 0, "mosquitto_sub: \(received.output)\nserve: \(log)")
        let line = received.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.hasPrefix("$dps/registrations/res/202/?$rid=1&retry-after=3 "), "\(line)")
        let body = line.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
        let status = try JSONText.decode(RegistrationOperationStatus.self, from: Array(body.utf8), what: "202 body")
        #expect(status.status == .assigning)
        #expect(status.operationId?.isEmpty == false)
    }

    static func tool(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first(where: FileManager.default.isExecutableFile)
    }
}
