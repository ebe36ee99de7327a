import DPSCore

/// How the service picks the IoT hub for a device (Microsoft Learn concepts-service allocation policies). Geo-latency
/// allocation has no offline meaning and is not offered.
public enum AllocationPolicy: Sendable, Hashable {
    /// Always this hub.
    case `static`(hub: String)
    /// A stable hash of the registration ID picks one of the hubs.
    case hashed(hubs: [String])
    /// Evenly weighted distribution: the hub with the fewest devices per unit of weight.
    case evenlyWeighted(hubs: [WeightedHub])
    /// A custom allocation rule over the device's register payload.
    case custom(CustomAllocationRule)
}

/// A linked hub and its allocation weight.
public struct WeightedHub: Sendable, Hashable {
    public var hub: String
    public var weight: Int

    public init(hub: String, weight: Int = 1) {
        self.hub = hub
        self.weight = weight
    }
}

/// An offline stand-in for a custom allocation function: it reads one field of the register
/// payload, maps its value to a hub, and returns a payload to the device. No match and no
/// default is a failed allocation (`400207`, as DPS reports a custom function's 400).
public struct CustomAllocationRule: Sendable, Hashable {
    /// Path into the register payload, e.g. `["region"]` for `{"region": "eu"}`.
    public var field: [String]
    /// Field value (as text) to hub.
    public var hubs: [String: String]
    public var defaultHub: String?
    /// Returned to the device in `registrationState.payload`.
    public var returnPayload: JSONValue?

    public init(field: [String], hubs: [String: String], defaultHub: String? = nil, returnPayload: JSONValue? = nil) {
        self.field = field
        self.hubs = hubs
        self.defaultHub = defaultHub
        self.returnPayload = returnPayload
    }
}

/// The outcome of allocating one device.
enum Allocation: Sendable, Hashable {
    case hub(String, payload: JSONValue?)
    case failed(errorCode: Int, message: String)
}

extension AllocationPolicy {
    /// Allocates `registrationID`; `load` counts devices per hub so far (for even weighting).
    func allocate(registrationID: String, payload: JSONValue?, load: [String: Int]) -> Allocation {
        switch self {
        case .static(let hub):
            return .hub(hub, payload: nil)
        case .hashed(let hubs):
            guard !hubs.isEmpty else { return .failed(errorCode: DPSErrorCode.noHubLinked, message: "No IoT hub is linked to the enrollment.") }
            // FNV-1a: stable across runs and platforms, unlike Hasher.
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in registrationID.lowercased().utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
            return .hub(hubs[Int(hash % UInt64(hubs.count))], payload: nil)
        case .evenlyWeighted(let hubs):
            let usable = hubs.filter { $0.weight > 0 }
            guard let first = usable.first else {
                return .failed(errorCode: DPSErrorCode.noHubLinked, message: "No IoT hub with a weight above zero is linked.")
            }
            let best = usable.dropFirst().reduce(first) { best, next in
                Double(load[next.hub, default: 0]) / Double(next.weight) < Double(load[best.hub, default: 0]) / Double(best.weight) ? next : best
            }
            return .hub(best.hub, payload: nil)
        case .custom(let rule):
            var value: JSONValue? = payload
            for key in rule.field { value = value?[key] }
            let text: String? = switch value {
            case .string(let string)?: string
            case .integer(let number)?: String(number)
            case .bool(let flag)?: String(flag)
            default: nil
            }
            if let text, let hub = rule.hubs[text] { return .hub(hub, payload: rule.returnPayload) }
            if let hub = rule.defaultHub { return .hub(hub, payload: rule.returnPayload) }
            return .failed(errorCode: DPSErrorCode.customAllocationFailed, message: "Custom allocation failed with status code: 400")
        }
    }

    /// The hub for `registrationID` when the policy needs no payload or load (tests, reports).
    func hub(for registrationID: String) -> String? {
        if case .hub(let hub, _) = allocate(registrationID: registrationID, payload: nil, load: [:]) { return hub }
        return nil
    }
}
