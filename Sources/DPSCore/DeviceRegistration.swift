/// The body a device sends to register (SPEC models.tsp `DeviceRegistration`).
public struct DeviceRegistration: Sendable, Hashable, Codable {
    public var registrationId: String?
    /// Custom data for allocation or `modelId`; JSON `null` is treated as absent.
    public var payload: JSONValue?
    public var tpm: TpmAttestation?
    /// Base64 DER PKCS#10 request, no PEM armour (api-version 2025-07-01-preview).
    public var csr: String?

    public init(registrationId: String?, payload: JSONValue? = nil, tpm: TpmAttestation? = nil, csr: String? = nil) {
        self.registrationId = registrationId
        self.payload = payload
        self.tpm = tpm
        self.csr = csr
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        registrationId = try container.decodeIfPresent(String.self, forKey: .registrationId)
        let payload = try container.decodeIfPresent(JSONValue.self, forKey: .payload)
        self.payload = payload == .null ? nil : payload
        tpm = try container.decodeIfPresent(TpmAttestation.self, forKey: .tpm)
        csr = try container.decodeIfPresent(String.self, forKey: .csr)
    }

    /// The register request body as the Embedded C SDK writes it: `registrationId`, then the
    /// custom payload inserted verbatim, then `csr` (vectors `register_payload_*`).
    public static func wireText(registrationId: String, customPayloadJSON: String? = nil, csr: String? = nil) -> String {
        var text = "{\"registrationId\":" + JSONText.quoted(registrationId)
        if let customPayloadJSON { text += ",\"payload\":" + customPayloadJSON }
        if let csr { text += ",\"csr\":" + JSONText.quoted(csr) }
        return text + "}"
    }
}

/// TPM attestation data in a register request (HTTP only).
public struct TpmAttestation: Sendable, Hashable, Codable {
    public var endorsementKey: String
    public var storageRootKey: String?

    public init(endorsementKey: String, storageRootKey: String? = nil) {
        self.endorsementKey = endorsementKey
        self.storageRootKey = storageRootKey
    }
}
