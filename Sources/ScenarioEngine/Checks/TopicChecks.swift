import DPSCore
import Foundation

/// What a DPS device publishes and what the service delivers (Microsoft Learn iot-dps-mqtt-support:
/// topics, QoS, message size), read from the typed MQTT records.
enum TopicChecks {
    static let all: [any ConformanceCheck] = [registerTopic, pollTopicRequestID, pollTopicOperationID, onlyDPSTopics, sessionPackets,
                                              messageSize, deliveryToSubscribers]

    /// The PUBLISHes the device sent, with their events.
    static func publishes(_ view: TranscriptView) -> [(event: WireEvent, publish: MQTTPublishRecord)] {
        view.devicePackets.compactMap { item in
            guard case .publish(let publish) = item.packet else { return nil }
            return (item.event, publish)
        }
    }

    /// The rule a topic breaks under DPSCore's topic grammar, if any.
    static func brokenRule(_ topic: String) -> RequirementID? {
        do {
            _ = try DeviceRequestTopic(parsing: topic)
            return nil
        } catch {
            return (error as? DPSCoreError)?.requirement ?? .dpsMqttTopic001
        }
    }

    /// DPS-MQTT-REG-002: a register request goes to `$dps/registrations/PUT/iotdps-register/?$rid=`.
    static let registerTopic = TranscriptCheck(.dpsMqttReg002, on: [.mqtt]) { context in
        let registers = publishes(context.view).filter { $0.publish.topic.contains("iotdps-register") }
        guard !registers.isEmpty else { return .skip("the device published no register request") }
        let expected = ["register published to \(DPSTopic.register(requestID: "{requestId}"))"]
        for item in registers {
            guard case .register? = try? DeviceRequestTopic(parsing: item.publish.topic) else {
                return .fail(expected, "register published to '\(item.publish.topic)'", [item.event.sequence])
            }
        }
        return .pass(expected, "\(registers.count) register request(s) on the register topic", registers.map(\.event.sequence))
    }

    /// A rule of the poll topic (DPS-MQTT-POLL-002 `$rid`, DPS-MQTT-POLL-003 `operationId`).
    static func pollTopicRule(_ requirement: RequirementID, _ property: String) -> TranscriptCheck {
        TranscriptCheck(requirement, on: [.mqtt]) { context in
            let polls = publishes(context.view).filter { $0.publish.topic.contains("iotdps-get-operationstatus") }
            guard !polls.isEmpty else { return .skip("the device published no poll request") }
            let expected = ["every poll topic carries \(property)"]
            if let broken = polls.first(where: { brokenRule($0.publish.topic) == requirement }) {
                return .fail(expected, "poll topic '\(broken.publish.topic)' has no \(property)", [broken.event.sequence])
            }
            return .pass(expected, "\(polls.count) poll topic(s) carry \(property)", polls.map(\.event.sequence))
        }
    }

    static let pollTopicRequestID = pollTopicRule(.dpsMqttPoll002, "$rid")
    static let pollTopicOperationID = pollTopicRule(.dpsMqttPoll003, "operationId")

    /// DPS-MQTT-TOPIC-001: the device publishes only to the register and operation-status topics.
    static let onlyDPSTopics = TranscriptCheck(.dpsMqttTopic001, on: [.mqtt]) { context in
        let all = publishes(context.view)
        guard !all.isEmpty else { return .skip("the device published nothing") }
        let expected = ["PUBLISH only to $dps/registrations/PUT/iotdps-register/ or $dps/registrations/GET/iotdps-get-operationstatus/"]
        if let stray = all.first(where: { brokenRule($0.publish.topic) == .dpsMqttTopic001 }) {
            return .fail(expected, "PUBLISH to '\(stray.publish.topic)'", [stray.event.sequence])
        }
        return .pass(expected, "\(all.count) PUBLISH(es) to DPS topics")
    }

    /// DPS-MQTT-PKT-001: only the packets of a DPS session, and PUBLISH at QoS 0 or 1.
    static let sessionPackets = TranscriptCheck(.dpsMqttPkt001, on: [.mqtt]) { context in
        let packets = context.view.devicePackets
        guard !packets.isEmpty else { return .skip("the device sent no MQTT packet") }
        let allowed: Set<MQTTPacketKind> = [.connect, .subscribe, .unsubscribe, .publish, .pubAck, .pingReq, .disconnect]
        let expected = ["only CONNECT, SUBSCRIBE, UNSUBSCRIBE, PUBLISH (QoS 0 or 1), PUBACK, PINGREQ, DISCONNECT"]
        for item in packets {
            if !allowed.contains(item.packet.kind) {
                return .fail(expected, "the device sent \(item.packet.kind.rawValue)", [item.event.sequence])
            }
            if case .publish(let publish) = item.packet, publish.qos > 1 {
                return .fail(expected, "the device published at QoS \(publish.qos)", [item.event.sequence])
            }
        }
        return .pass(expected, "\(packets.count) packet(s) of the DPS session")
    }

    /// DPS-MQTT-SIZE-001: no message to DPS is over 96 KB.
    static let messageSize = TranscriptCheck(.dpsMqttSize001, on: [.mqtt]) { context in
        let all = publishes(context.view)
        guard !all.isEmpty else { return .skip("the device published nothing") }
        let expected = ["every message at most \(DPSLimits.maximumMessageBytes) bytes"]
        if let large = all.first(where: { $0.publish.payloadSize > DPSLimits.maximumMessageBytes }) {
            return .fail(expected, "a message of \(large.publish.payloadSize) bytes", [large.event.sequence])
        }
        return .pass(expected, "largest message \(all.map(\.publish.payloadSize).max() ?? 0) bytes")
    }

    /// DPS-MQTT-SUB-002 (a service rule): the response filter is granted at QoS 0 or 1, other
    /// filters are refused, and responses reach only connections subscribed to the filter.
    static let deliveryToSubscribers = TranscriptCheck(.dpsMqttSub002, on: [.mqtt]) { context in
        let events = context.view.events
        let expected = ["SUBACK grants \(DPSTopic.responseFilter) at QoS 0 or 1 and refuses other filters; responses only to a subscribed device"]
        var subscriptions: [String: [Int: [MQTTSubscriptionRecord]]] = [:]
        // One case is one device: a subscription granted on any of its connections counts (DPS
        // answers a re-sent request after a reconnect on the strength of the earlier one).
        var granted = false
        var checked = 0
        for event in events {
            guard case .mqtt(let packet) = event.content else { continue }
            switch (event.direction, packet) {
            case (.toService, .subscribe(let id, let filters)):
                subscriptions[event.connection, default: [:]][id] = filters
            case (.toDevice, .subAck(let id, let codes)):
                guard let filters = subscriptions[event.connection]?[id] else { continue }
                checked += 1
                for (filter, code) in zip(filters, codes) {
                    let isResponseFilter = filter.filter == DPSTopic.responseFilter
                    if isResponseFilter && !(0...1).contains(code) {
                        return .fail(expected, "SUBACK 0x\(String(code, radix: 16)) for \(filter.filter)", [event.sequence])
                    }
                    if !isResponseFilter && code != 0x80 {
                        return .fail(expected, "SUBACK 0x\(String(code, radix: 16)) granted the filter \(filter.filter)", [event.sequence])
                    }
                    if isResponseFilter { granted = true }
                }
            case (.toDevice, .publish):
                guard event.exchange?.role == .response else { continue }
                checked += 1
                if !granted {
                    return .fail(expected, "a response delivered on \(event.connection) before any subscription to the filter was granted", [event.sequence])
                }
            default:
                continue
            }
        }
        return checked == 0 ? .skip("no subscription was answered and no response delivered") : .pass(expected, "\(checked) SUBACK(s) and deliveries as the rule says")
    }
}
