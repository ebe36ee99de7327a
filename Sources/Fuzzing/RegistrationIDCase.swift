import DPSCore

/// The transports a case goes over.
public enum FuzzTransport: String, Sendable, Hashable, CaseIterable, Codable {
    case mqtt
    case https
}

/// How a case's device proves who it is.
public enum FuzzCredential: String, Sendable, Hashable, Codable {
    /// A SAS token signed with the key derived from the fuzz enrollment group's key (`sr` names the ID).
    case sas
    /// A client certificate issued by the fuzz enrollment group's CA (its CN names the ID).
    case x509
}

/// Every place a registration ID appears in a DPS request (Microsoft Learn iot-dps-mqtt-support and
/// iot-dps-https-sym-key-support).
public enum IDPlace: String, Sendable, Hashable, CaseIterable, Codable {
    case clientID = "client-id"
    case username
    case urlPath = "url-path"
    case body
    case sasResource = "sas-sr"
    case certificateCN = "certificate-cn"

    /// The places a request over `transport` with `credential` has.
    public static func places(_ transport: FuzzTransport, _ credential: FuzzCredential) -> [IDPlace] {
        var places: [IDPlace] = transport == .mqtt ? [.clientID, .username, .body] : [.urlPath, .body]
        places.append(credential == .sas ? .sasResource : .certificateCN)
        return places
    }

    /// The rule a registration under an ID other than the attested one breaks, by the place that disagreed.
    public var requirement: RequirementID {
        switch self {
        case .clientID: .dpsMqttConn001
        case .username: .dpsMqttConn002
        case .urlPath: .dpsHttpRoute001
        case .body: .dpsFlowReg001
        case .sasResource: .dpsAuthSas002
        case .certificateCN: .dpsAuthX509001
        }
    }
}

/// One registration-ID case: the ID, where it goes, and (when the places disagree) the other ID
/// in one place. A value: the same seed and index give the same case.
public struct RegistrationIDCase: Sendable, Hashable, Codable {
    public var index: Int
    public var id: String
    /// Why the ID exists: the generator rule (`length/129`, `class/nul/last`, `mutation/swap-case`).
    public var origin: String
    public var transport: FuzzTransport
    public var credential: FuzzCredential
    /// One place carrying another ID than the rest (nil: every place agrees).
    public var disagreement: Disagreement?

    public struct Disagreement: Sendable, Hashable, Codable {
        public var place: IDPlace
        public var otherID: String
    }

    public init(index: Int, id: String, origin: String, transport: FuzzTransport, credential: FuzzCredential, disagreement: Disagreement? = nil) {
        self.index = index
        self.id = id
        self.origin = origin
        self.transport = transport
        self.credential = credential
        self.disagreement = disagreement
    }

    /// The ID written at `place`.
    public func id(at place: IDPlace) -> String {
        if let disagreement, disagreement.place == place { return disagreement.otherID }
        return id
    }

    /// The ID the credentials attest (what the SAS `sr` or the certificate CN names).
    public var attestedID: String { id(at: credential == .sas ? .sasResource : .certificateCN) }

    /// The case, as canonical bytes (what the determinism test compares).
    public var canonicalBytes: [UInt8] { JSONText.encode(self) }

    /// Case `index` of the run with `seed`, over one of `transports`.
    public static func make(seed: UInt64, index: Int, transports: [FuzzTransport]) -> RegistrationIDCase {
        var random = FuzzRandom.forCase(seed: seed, index: index, stream: 1)
        let (id, origin) = RegistrationIDGenerator.generate(&random)
        let transport = transports[index % max(1, transports.count)]
        let credential: FuzzCredential = random.chance(1, in: 5) ? .x509 : .sas
        var made = RegistrationIDCase(index: index, id: id, origin: origin, transport: transport, credential: credential)
        if random.chance(1, in: 4) {
            let place = random.pick(IDPlace.places(transport, credential))
            let other = random.chance(1, in: 3) ? id.uppercased() : RegistrationIDGenerator.validID(length: random.int(in: 4...20), lowercaseOnly: true, &random)
            if other != id { made.disagreement = Disagreement(place: place, otherID: other) }
        }
        return made
    }
}
