import DPSCore
import Foundation

/// MQTT session rules of a DPS device (dps-protocol.md §2.2-2.3).
enum ConnectChecks {
    /// DPS-MQTT-CONN-001: the client id is the registration ID.
    static let clientIDIsRegistrationID: CheckLibrary.Check = { context in
        guard context.scenario.transport == .mqtt else { return .skip("an MQTT rule; this case runs over HTTPS") }
        let connects = context.view.connects
        guard !connects.isEmpty else { return .skip("the device never sent CONNECT") }
        let expected = ["client id = \(context.scenario.device.registrationID)"]
        for (event, connect) in connects where connect.clientIdentifier != context.scenario.device.registrationID {
            return .fail(expected, "client id '\(connect.clientIdentifier)'", [event.sequence])
        }
        return .pass(expected, "client id '\(connects[0].packet.clientIdentifier)' on \(connects.count) connection(s)", connects.map(\.event.sequence))
    }

    /// DPS-MQTT-CONN-002: the username is `{idScope}/registrations/{registrationId}/api-version=...`.
    static let usernameGrammar: CheckLibrary.Check = { context in
        guard context.scenario.transport == .mqtt else { return .skip("an MQTT rule; this case runs over HTTPS") }
        let connects = context.view.connects
        guard !connects.isEmpty else { return .skip("the device never sent CONNECT") }
        let expected = ["username \(context.scenario.service.idScope)/registrations/\(context.scenario.device.registrationID)/api-version=<version>[&ClientVersion=<agent>]"]
        for (event, connect) in connects {
            let text = connect.userName ?? ""
            // One fault, one rule: '?' before api-version is DPS-MQTT-CONN-003's finding.
            if text.contains("?api-version=") { return .skip("the username's separator fault is reported under DPS-MQTT-CONN-003") }
            guard let username = try? MQTTUsername(parsing: text),
                  username.idScope == context.scenario.service.idScope,
                  username.registrationID == context.scenario.device.registrationID else {
                return .fail(expected, "username '\(text)'", [event.sequence])
            }
        }
        return .pass(expected, "username '\(connects[0].packet.userName ?? "")'", connects.map(\.event.sequence))
    }

    /// DPS-MQTT-SUB-001: on every connection, SUBSCRIBE to the response filter precedes the first PUBLISH.
    static let subscribeBeforePublish: CheckLibrary.Check = { context in
        guard context.scenario.transport == .mqtt else { return .skip("an MQTT rule; this case runs over HTTPS") }
        let events = context.view.events.filter { $0.direction == .toService }
        let expected = ["SUBSCRIBE \(DPSTopic.responseFilter) before the first PUBLISH of each connection"]
        var checked = 0
        for connection in Set(events.map(\.connection)).sorted() {
            let ordered = events.filter { $0.connection == connection }
            guard let firstPublish = ordered.first(where: { $0.kind == "PUBLISH" }) else { continue }
            checked += 1
            let subscribed = ordered.contains { $0.kind == "SUBSCRIBE" && $0.sequence < firstPublish.sequence && $0.summary.contains(DPSTopic.responseFilter) }
            if !subscribed {
                return .fail(expected, "\(connection): PUBLISH without a prior SUBSCRIBE to \(DPSTopic.responseFilter)", [firstPublish.sequence])
            }
        }
        return checked == 0 ? .skip("the device published nothing") : .pass(expected, "subscribed first on \(checked) connection(s)")
    }

    /// DPS-MQTT-DISC-001: the device ends its connection with DISCONNECT.
    static let cleanDisconnect: CheckLibrary.Check = { context in
        guard context.scenario.transport == .mqtt else { return .skip("an MQTT rule; this case runs over HTTPS") }
        let events = context.view.events
        guard let last = events.last(where: { $0.direction == .toService }) else { return .skip("the device sent nothing") }
        let expected = ["DISCONNECT as the device's last packet"]
        if events.contains(where: { $0.direction == .local && $0.kind == "REFUSE" }) {
            return .skip("the service refused the connection; there was nothing to disconnect")
        }
        return last.kind == "DISCONNECT" ? .pass(expected, "DISCONNECT", [last.sequence])
            : .fail(expected, "last packet was \(last.kind) and the connection then \(events.last?.summary ?? "stayed open")", [last.sequence])
    }

    /// DPS-MQTT-TLS-001: the device refuses a server certificate that is expired, names another
    /// host or does not chain to the CA it trusts: no MQTT packet reaches such a server.
    static let verifiesServerCertificate: CheckLibrary.Check = { context in
        let fault = context.scenario.service.serverTLS.certificateFault
        guard fault != .none else { return .skip("the server certificate is valid in this case") }
        let expected = ["the TLS handshake fails; nothing is sent to a server with a \(fault.rawValue) certificate"]
        if let sent = context.view.events.first(where: { $0.direction == .toService && $0.kind != "CERTIFICATE" }) {
            return .fail(expected, "the device sent \(sent.kind) over the untrustworthy connection", [sent.sequence])
        }
        return .pass(expected, "nothing sent; the device reported \(context.outcome.status.rawValue)")
    }

    /// A rule the fake enforces itself: it fails when a refusal, drop or close in the transcript
    /// names the requirement (e.g. `[DPS-AUTH-SAS-004]`), passes when the device got through.
    static func enforcedByService(_ id: String) -> CheckLibrary.Check {
        { context in
            let events = context.view.events
            let expected = ["the service finds no violation of \(id)"]
            if let violation = events.first(where: { $0.direction == .local && $0.summary.contains(id) }) {
                return .fail(expected, violation.summary, [violation.sequence])
            }
            guard events.contains(where: { $0.direction == .toService }) else { return .skip("the device reached no service") }
            return .pass(expected, "no refusal names \(id)")
        }
    }
}
