/// The body of register and poll responses (SPEC models.tsp `RegistrationOperationStatus`).
public struct RegistrationOperationStatus: Sendable, Hashable, Codable {
    public var operationId: String?
    public var status: RegistrationStatus?
    public var registrationState: DeviceRegistrationResult?

    public init(operationId: String?, status: RegistrationStatus?, registrationState: DeviceRegistrationResult? = nil) {
        self.operationId = operationId
        self.status = status
        self.registrationState = registrationState
    }
}

/// The outcome of a registration (`registrationState`; SPEC models.tsp `DeviceRegistrationResult`).
public struct DeviceRegistrationResult: Sendable, Hashable, Codable {
    public var x509: X509RegistrationResult?
    public var symmetricKey: SymmetricKeyRegistrationResult?
    public var tpm: TpmRegistrationResult?
    public var registrationId: String?
    public var createdDateTimeUtc: String?
    public var assignedHub: String?
    public var deviceId: String?
    public var status: RegistrationStatus?
    public var substatus: AssignmentSubstatus?
    public var errorCode: Int?
    public var errorMessage: String?
    public var lastUpdatedDateTimeUtc: String?
    public var etag: String?
    public var payload: JSONValue?
    /// Base64 DER certificates, leaf first, root last (2025-07-01-preview).
    public var issuedCertificateChain: [String]?

    public init(registrationId: String?, status: RegistrationStatus?) {
        self.registrationId = registrationId
        self.status = status
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        x509 = try container.decodeIfPresent(X509RegistrationResult.self, forKey: .x509)
        symmetricKey = try container.decodeIfPresent(SymmetricKeyRegistrationResult.self, forKey: .symmetricKey)
        tpm = try container.decodeIfPresent(TpmRegistrationResult.self, forKey: .tpm)
        registrationId = try container.decodeIfPresent(String.self, forKey: .registrationId)
        createdDateTimeUtc = try container.decodeIfPresent(String.self, forKey: .createdDateTimeUtc)
        assignedHub = try container.decodeIfPresent(String.self, forKey: .assignedHub)
        deviceId = try container.decodeIfPresent(String.self, forKey: .deviceId)
        status = try container.decodeIfPresent(RegistrationStatus.self, forKey: .status)
        // Unknown substatus values are dropped rather than failing the whole response.
        substatus = (try? container.decodeIfPresent(String.self, forKey: .substatus)).flatMap { $0.flatMap(AssignmentSubstatus.init(rawValue:)) }
        errorCode = try container.decodeIfPresent(Int.self, forKey: .errorCode)
        errorMessage = try container.decodeIfPresent(String.self, forKey: .errorMessage)
        lastUpdatedDateTimeUtc = try container.decodeIfPresent(String.self, forKey: .lastUpdatedDateTimeUtc)
        etag = try container.decodeIfPresent(String.self, forKey: .etag)
        let payload = try container.decodeIfPresent(JSONValue.self, forKey: .payload)
        self.payload = payload == .null ? nil : payload
        issuedCertificateChain = try container.decodeIfPresent([String].self, forKey: .issuedCertificateChain)
    }
}

/// X.509 details of a registration (DPS TypeSpec `X509RegistrationResult`).
public struct X509RegistrationResult: Sendable, Hashable, Codable {
    public var certificateInfo: X509CertificateInfo?
    public var enrollmentGroupId: String?
    public var signingCertificateInfo: X509CertificateInfo?

    public init(certificateInfo: X509CertificateInfo? = nil, enrollmentGroupId: String? = nil, signingCertificateInfo: X509CertificateInfo? = nil) {
        self.certificateInfo = certificateInfo
        self.enrollmentGroupId = enrollmentGroupId
        self.signingCertificateInfo = signingCertificateInfo
    }
}

/// One certificate as DPS describes it (DPS TypeSpec `X509CertificateInfo`).
public struct X509CertificateInfo: Sendable, Hashable, Codable {
    public var subjectName: String
    public var sha1Thumbprint: String
    public var sha256Thumbprint: String
    public var issuerName: String
    public var notBeforeUtc: String?
    public var notAfterUtc: String?
    public var serialNumber: String
    public var version: Int

    public init(subjectName: String, sha1Thumbprint: String, sha256Thumbprint: String, issuerName: String,
                notBeforeUtc: String?, notAfterUtc: String?, serialNumber: String, version: Int) {
        self.subjectName = subjectName
        self.sha1Thumbprint = sha1Thumbprint
        self.sha256Thumbprint = sha256Thumbprint
        self.issuerName = issuerName
        self.notBeforeUtc = notBeforeUtc
        self.notAfterUtc = notAfterUtc
        self.serialNumber = serialNumber
        self.version = version
    }
}

/// Symmetric-key details of a registration (DPS TypeSpec `SymmetricKeyRegistrationResult`).
public struct SymmetricKeyRegistrationResult: Sendable, Hashable, Codable {
    public var enrollmentGroupId: String?

    public init(enrollmentGroupId: String?) {
        self.enrollmentGroupId = enrollmentGroupId
    }
}

/// TPM details of a registration (DPS TypeSpec `TpmRegistrationResult`).
public struct TpmRegistrationResult: Sendable, Hashable, Codable {
    public var authenticationKey: String

    public init(authenticationKey: String) {
        self.authenticationKey = authenticationKey
    }
}
