import MQTTWire
import NIOCore

/// What both MQTT exchanges of the fleet do first: TLS, CONNECT (accepted), SUBSCRIBE (granted),
/// each phase timed into the tally, and the next packet that is not a PUBACK.
extension FleetConnection where Message == MQTTPacket {
    /// Opens the device's connection and returns it with the instant the exchange started.
    static func mqttSession(_ device: FleetDevice, settings: FleetSettings, group: any EventLoopGroup, connect: MQTTConnect,
                            filter: String, into tally: inout FleetTally) async throws(FleetFailure) -> FleetConnection<MQTTPacket> {
        let start = ContinuousClock.now
        let connection = try await FleetConnection<MQTTPacket>.open(
            group: group, host: settings.host, port: settings.port, tls: device.tls, deadline: settings.deadline(),
            decoders: { try $0.addHandler(MQTTPacketDecoder()) })
        tally.record(.tcpTLS, since: start)
        do throws(FleetFailure) {
            let connectStart = ContinuousClock.now
            try connection.send(packet: .connect(connect))
            guard case .connAck(let connAck) = try await connection.nextSkippingAcks(settings: settings, awaiting: "CONNACK") else {
                throw FleetFailure(.protocolError, "the first packet after CONNECT is not CONNACK")
            }
            guard connAck.returnCode == .accepted else { throw FleetFailure(.connackRefused, "CONNACK return code \(connAck.returnCode.rawValue)") }
            tally.record(.connect, since: connectStart)

            let subscribeStart = ContinuousClock.now
            try connection.send(packet: .subscribe(MQTTSubscribe(packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: filter, requestedQoS: .atLeastOnce)])))
            guard case .subAck(let subAck) = try await connection.nextSkippingAcks(settings: settings, awaiting: "SUBACK") else {
                throw FleetFailure(.protocolError, "the answer to SUBSCRIBE is not SUBACK")
            }
            guard subAck.returnCodes.first != .failure else { throw FleetFailure(.protocolError, "SUBACK refused \(filter)") }
            tally.record(.subscribe, since: subscribeStart)
            return connection
        } catch let failure {
            connection.close()
            throw failure
        }
    }

    /// The next packet that is not a PUBACK (the answers to the device's own QoS 1 publishes).
    func nextSkippingAcks(settings: FleetSettings, awaiting what: String) async throws(FleetFailure) -> MQTTPacket {
        while true {
            let packet = try await next(deadline: settings.deadline(), awaiting: what)
            if case .pubAck = packet { continue }
            return packet
        }
    }
}
