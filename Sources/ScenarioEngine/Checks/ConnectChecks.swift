import DPSCore
import Foundation

/// MQTT session rules of a DPS device (Microsoft Learn iot-dps-mqtt-support: CONNECT, SUBSCRIBE,
/// DISCONNECT) and the TLS rule for both transports.
enum ConnectChecks {
    static let all: [any ConformanceCheck] = [clientIDIsRegistrationID, usernameGrammar, usernameSeparator, subscribeBeforePublish,
                                              cleanDisconnect, verifiesServerCertificate]

    /// DPS-MQTT-CONN-001: the client id is the registration ID.
    static let clientIDIsRegistrationID = TranscriptCheck(.dpsMqttConn001, on: [.mqtt]) { context in
        let connects = context.view.connects
        guard let first = connects.first else { return .skip("the device never sent CONNECT") }
        let expected = ["client id = \(context.scenario.device.registrationID)"]
        for (event, connect) in connects where connect.clientID != context.scenario.device.registrationID {
            return .fail(expected, "client id '\(connect.clientID)'", [event.sequence])
        }
        return .pass(expected, "client id '\(first.packet.clientID)' on \(connects.count) connection(s)", connects.map(\.event.sequence))
    }

    /// DPS-MQTT-CONN-002: the username is `{idScope}/registrations/{registrationId}/api-version=...`.
    static let usernameGrammar = TranscriptCheck(.dpsMqttConn002, on: [.mqtt]) { context in
        let connects = context.view.connects
        guard let first = connects.first else { return .skip("the device never sent CONNECT") }
        let scope = context.scenario.service.idScope
        let id = context.scenario.device.registrationID
        let expected = ["username \(scope)/registrations/\(id)/api-version=<version>[&ClientVersion=<agent>]"]
        for (event, connect) in connects {
            let text = connect.username ?? ""
            do {
                let username = try MQTTUsername(parsing: text)
                guard username.idScope == scope, username.registrationID == id else { return .fail(expected, "username '\(text)'", [event.sequence]) }
            } catch let error as DPSCoreError where error.code == .usernameWrongSeparator {
                // One fault, one rule: the separator is DPS-MQTT-CONN-003's finding.
                return .skip("the username's separator fault is reported under DPS-MQTT-CONN-003")
            } catch {
                return .fail(expected, "username '\(text)'", [event.sequence])
            }
        }
        return .pass(expected, "username '\(first.packet.username ?? "")'", connects.map(\.event.sequence))
    }

    /// DPS-MQTT-CONN-003: '/' before api-version, never '?'.
    static let usernameSeparator = TranscriptCheck(.dpsMqttConn003, on: [.mqtt]) { context in
        let connects = context.view.connects
        guard !connects.isEmpty else { return .skip("the device never sent CONNECT") }
        let expected = ["'/api-version=' in the username"]
        for (event, connect) in connects {
            do {
                _ = try MQTTUsername(parsing: connect.username ?? "")
            } catch let error as DPSCoreError where error.code == .usernameWrongSeparator {
                return .fail(expected, "username '\(connect.username ?? "")' uses '?api-version='", [event.sequence])
            } catch {
                continue
            }
        }
        return .pass(expected, "no username uses '?api-version='", connects.map(\.event.sequence))
    }

    /// DPS-MQTT-SUB-001: on every connection, SUBSCRIBE to the response filter precedes the first PUBLISH.
    static let subscribeBeforePublish = TranscriptCheck(.dpsMqttSub001, on: [.mqtt]) { context in
        let packets = context.view.devicePackets
        let expected = ["SUBSCRIBE \(DPSTopic.responseFilter) before the first PUBLISH of each connection"]
        var checked = 0
        for connection in Set(packets.map(\.event.connection)).sorted() {
            let ordered = packets.filter { $0.event.connection == connection }
            guard let firstPublish = ordered.first(where: { $0.packet.kind == .publish }) else { continue }
            checked += 1
            let subscribed = ordered.contains { item in
                guard item.event.sequence < firstPublish.event.sequence, case .subscribe(_, let filters) = item.packet else { return false }
                return filters.contains { $0.filter == DPSTopic.responseFilter }
            }
            if !subscribed {
                return .fail(expected, "\(connection): PUBLISH without a prior SUBSCRIBE to \(DPSTopic.responseFilter)", [firstPublish.event.sequence])
            }
        }
        return checked == 0 ? .skip("the device published nothing") : .pass(expected, "subscribed first on \(checked) connection(s)")
    }

    /// DPS-MQTT-DISC-001: the device ends its last connection with DISCONNECT.
    static let cleanDisconnect = TranscriptCheck(.dpsMqttDisc001, on: [.mqtt]) { context in
        let view = context.view
        guard let last = view.devicePackets.last else { return .skip("the device sent nothing") }
        let expected = ["DISCONNECT as the device's last packet"]
        if view.notes.contains(where: { if case .refused = $0.note { return true }; return false }) {
            return .skip("the service refused the connection; there was nothing to disconnect")
        }
        if let closed = view.notes.last(where: { if case .closed(let cause) = $0.note { return cause.isServiceInitiated }; return false }),
           closed.event.connection == last.event.connection {
            return .skip("the service closed the device's last connection (\(closed.event.summary)); there was nothing to disconnect")
        }
        if last.packet.kind == .disconnect { return .pass(expected, "DISCONNECT", [last.event.sequence]) }
        let after = view.notes.last { $0.event.connection == last.event.connection }
        return .fail(expected, "last packet was \(last.packet.kind.rawValue)" + (after.map { "; then \($0.event.summary)" } ?? "; the connection stayed open"),
                     [last.event.sequence])
    }

    /// DPS-MQTT-TLS-001: the device refuses a server certificate that is expired, names another
    /// host or does not chain to the CA it trusts: nothing reaches such a server.
    static let verifiesServerCertificate = TranscriptCheck(.dpsMqttTls001) { context in
        let fault = context.scenario.service.serverTLS.certificateFault
        guard fault != .none else { return .skip("the server certificate is valid in this case") }
        let expected = ["the TLS handshake fails; nothing is sent to a server with a \(fault.rawValue) certificate"]
        if let sent = context.view.events.first(where: { $0.direction == .toService && $0.certificate == nil }) {
            return .fail(expected, "the device sent \(sent.label) over the untrustworthy connection", [sent.sequence])
        }
        return .pass(expected, "nothing sent; the device reported \(context.outcome.status.rawValue)")
    }
}
