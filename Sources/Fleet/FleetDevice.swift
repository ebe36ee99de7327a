/// One simulated device: its place in the fleet, registration ID and SAS token (never printed).
struct FleetDevice: Sendable {
    let index: Int
    let registrationID: String
    let sasToken: String
}
