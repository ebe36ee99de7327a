import DPSCore
import Foundation

/// A well-behaved device that keeps registering while malformed sessions hit the service (issue 13:
/// "a well-behaved device provisions in parallel the whole time"). Its registration IDs start with
/// `well-behaved-`, so an oracle can tell its connections from the case's.
struct WellBehavedDevice: Sendable {
    static let prefix = "well-behaved-"
    let registrations: RegistrationIDFuzzer
    let transport: FuzzTransport

    /// Registers over and over (a tenth of a second apart) until cancelled; returns what went wrong
    /// and how many registrations were accepted.
    func run(against destination: any CaseDestination) async -> (findings: [OracleFinding], accepted: Int) {
        var accepted = 0
        var found: [OracleFinding] = []
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            let good = RegistrationIDCase(index: attempt, id: Self.prefix + String(attempt), origin: "well-behaved", transport: transport, credential: .sas)
            let (answer, _) = await registrations.send(good, to: destination)
            if answer.accepted { accepted += 1 }
            // An attempt cut short by the cancellation at the end of the run is not the service's fault.
            if !answer.accepted, !Task.isCancelled {
                found.append(OracleFinding(kind: .wellBehavedStarved, requirement: .dpsFlowResult001,
                                           expected: ["a well-behaved device is accepted while malformed sessions run"],
                                           observed: "attempt \(attempt): " + answer.text))
            }
            // Against a paced endpoint every registration is a real device: one every 5 s is enough.
            try? await Task.sleep(for: destination.pacer == nil ? .milliseconds(100) : .seconds(5))
        }
        return (found, accepted)
    }

    /// The connections of the well-behaved device among `events`.
    static func connections(in events: [WireEvent]) -> Set<String> {
        var found: Set<String> = []
        for event in events {
            if let id = event.exchange?.registrationID, id.hasPrefix(prefix) { found.insert(event.connection) }
            if case .mqtt(.connect(let connect)) = event.content, connect.clientID.hasPrefix(prefix) { found.insert(event.connection) }
        }
        return found
    }
}
