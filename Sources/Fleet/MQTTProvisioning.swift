import DPSCore
import Foundation
import MQTTWire
import NIOCore
import NIOSSL

/// One device's DPS exchange over MQTT: TLS, CONNECT with a SAS token, SUBSCRIBE to the response
/// filter, register, polls after exactly the retry-after given, DISCONNECT
/// (Microsoft Learn iot-dps-mqtt-support).
struct MQTTProvisioning: Sendable {
    let settings: FleetSettings
    let group: any EventLoopGroup
    let pacer: RequestPacer?

    func provision(_ device: FleetDevice, into tally: inout FleetTally) async throws(FleetFailure) {
        // The rate limit's wait is not the service's time: the clock starts after it.
        await pacer.wait()
        let start = ContinuousClock.now
        let username = MQTTUsername(idScope: settings.idScope, registrationID: device.registrationID, clientVersion: "dpsconform-fleet/1").text
        let connect = MQTTConnect(clientIdentifier: device.registrationID, keepAliveSeconds: 60, userName: username,
                                  password: device.sasToken.map { Array($0.utf8) })
        let connection = try await FleetConnection<MQTTPacket>.mqttSession(device, settings: settings, group: group, connect: connect,
                                                               filter: DPSTopic.responseFilter, into: &tally)
        defer { connection.close() }

        var step = try await request(.register, topic: DPSTopic.register(requestID: "1"), requestID: "1",
                                     payload: Array(("{\"registrationId\":" + JSONText.quoted(device.registrationID) + "}").utf8),
                                     packetIdentifier: 2, on: connection, previousOperationID: nil, tally: &tally)
        var polls = 0
        while case .poll(let operationID, let wait) = step {
            polls += 1
            guard polls <= settings.maximumPolls else { throw FleetFailure(.notAssigned, "still assigning after \(settings.maximumPolls) polls") }
            if wait > .zero { try? await Task.sleep(for: wait) }
            let rid = String(polls + 1)
            step = try await request(.poll, topic: DPSTopic.poll(requestID: rid, operationID: operationID), requestID: rid, payload: [],
                                     packetIdentifier: UInt16(truncatingIfNeeded: polls % 60_000 + 2), on: connection,
                                     previousOperationID: operationID, tally: &tally)
        }
        tally.record(.total, since: start)
        try? connection.send(packet: .disconnect)
    }

    /// Publishes a register or poll at QoS 1 and returns what the answer on the response topic
    /// with the same `$rid` means.
    private func request(_ phase: FleetPhase, topic: String, requestID: String, payload: [UInt8], packetIdentifier: UInt16,
                         on connection: FleetConnection<MQTTPacket>, previousOperationID: String?,
                         tally: inout FleetTally) async throws(FleetFailure) -> ProvisioningStep {
        await pacer.wait()
        let start = ContinuousClock.now
        tally.requests[phase.rawValue, default: 0] += 1
        try connection.send(packet: .publish(MQTTPublish(topicName: topic, payload: payload, qos: .atLeastOnce, packetIdentifier: packetIdentifier)))
        while true {
            guard case .publish(let publish) = try await connection.nextSkippingAcks(settings: settings, awaiting: "the \(phase.rawValue) response") else {
                throw FleetFailure(.protocolError, "an unexpected packet while awaiting the \(phase.rawValue) response")
            }
            if publish.qos == .atLeastOnce, let id = publish.packetIdentifier { try connection.send(packet: .pubAck(packetIdentifier: id)) }
            let response: ResponseTopic
            do {
                response = try ResponseTopic(parsing: publish.topicName)
            } catch {
                throw FleetFailure(.protocolError, "response topic: \(error)")
            }
            // An answer to an earlier request (a late duplicate) is not this one's.
            guard response.rawRequestID == requestID else { continue }
            tally.record(phase, since: start)
            return try ProvisioningStep.after(DPSAnswer(status: response.status, retryAfter: response.retryAfterText, body: publish.payload),
                                              previousOperationID: previousOperationID, tally: &tally)
        }
    }

    /// The next packet that is not a PUBACK of ours.
}
