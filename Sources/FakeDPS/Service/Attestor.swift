import DPSCore
import Foundation
import X509

/// Checks a device's credentials against the enrollments, in the order DPS documents
/// (Microsoft Learn concepts-x509-attestation "DPS order of operations"): the individual enrollment first, then for X.509 the group
/// of the first intermediate in the presented chain and on up toward the root; for SAS the
/// symmetric-key groups whose derived key verifies the token.
struct Attestor: Sendable {
    let configuration: ServiceConfiguration

    enum Failure: Error {
        /// 404201: nothing enrolled for the device.
        case notFound(String)
        /// 401002: enrolled, but the proof does not hold; the rule the credentials broke, if one.
        case unauthorized(String, RequirementID? = nil)
    }

    func attest(_ identity: DeviceIdentity, credentials: DeviceCredentials, now: Date) throws(Failure) -> EnrollmentMatch {
        guard identity.idScope == configuration.idScope else { throw .notFound("ID scope \(identity.idScope) is not this service's") }
        if !credentials.clientCertificateChain.isEmpty, credentials.sasToken?.isEmpty ?? true {
            return try attestX509(identity, chainDER: credentials.clientCertificateChain, now: now)
        }
        guard let token = credentials.sasToken, !token.isEmpty else {
            throw .unauthorized("neither a SAS token nor a client certificate was presented")
        }
        return try attestSAS(identity, tokenText: token, now: now)
    }

    private func attestSAS(_ identity: DeviceIdentity, tokenText: String, now: Date) throws(Failure) -> EnrollmentMatch {
        let token: SASToken
        do {
            token = try SASToken(parsing: tokenText)
        } catch {
            let refusal = error as? DPSCoreError
            throw .unauthorized(refusal?.reason ?? "\(error)", refusal?.requirement ?? .dpsAuthSas001)
        }
        try refuseByQuirks(token, identity: identity)
        let verifier = SASVerifier(clockSkew: configuration.sasClockSkew)
        func verify(_ keys: [String]) throws(Failure) {
            do {
                try verifier.verify(token, idScope: identity.idScope, registrationID: identity.registrationID, keysBase64: keys, now: now)
            } catch {
                let refusal = error as? DPSCoreError
                throw .unauthorized(refusal?.reason ?? "\(error)", refusal?.requirement)
            }
        }
        if let individual = configuration.enrollments.individual(for: identity.registrationID) {
            guard case .symmetricKey = individual.attestation else {
                throw .unauthorized("the enrollment of \(identity.registrationID) uses X.509, not a SAS token")
            }
            try verify(individual.attestation.symmetricKeys)
            return EnrollmentMatch(individual: individual)
        }
        var lastFailure: Failure?
        for group in configuration.enrollments.groups {
            guard case .symmetricKey(let primary, let secondary) = group.attestation else { continue }
            let derived = ([primary] + (secondary.map { [$0] } ?? [])).compactMap {
                try? DerivedDeviceKey.derive(groupKeyBase64: $0, registrationID: identity.registrationID)
            }
            do {
                try verify(derived)
                return EnrollmentMatch(group: group, registrationID: identity.registrationID)
            } catch {
                // Signed with the group key itself instead of the key derived from it (DPS-AUTH-DERIVE-001).
                let groupKeys = [primary] + (secondary.map { [$0] } ?? [])
                if (try? verifier.verify(token, idScope: identity.idScope, registrationID: identity.registrationID, keysBase64: groupKeys, now: now)) != nil {
                    lastFailure = .unauthorized("the token is signed with the enrollment group's key, not the device key derived from it", .dpsAuthDerive001)
                } else {
                    lastFailure = error
                }
            }
        }
        if let lastFailure, case .unauthorized(_, .dpsAuthDerive001?) = lastFailure { throw lastFailure }
        if let lastFailure, configuration.enrollments.groups.count == 1 { throw lastFailure }
        throw .notFound("no individual enrollment for \(identity.registrationID) and no enrollment group's derived key verifies the token")
    }

    private func attestX509(_ identity: DeviceIdentity, chainDER: [[UInt8]], now: Date) throws(Failure) -> EnrollmentMatch {
        let chain: PresentedChain
        do {
            chain = try PresentedChain(der: chainDER)
        } catch {
            throw .unauthorized("\(error)", .dpsAuthX509002)
        }
        let leaf = chain.leaf
        // CN must equal the registration ID (Microsoft Learn concepts-x509-attestation); a setting relaxes it (Azure/iot-identity-service PR 123).
        if configuration.requireCommonNameMatch {
            let commonName = CertificateFacts.commonName(leaf.subject)
            guard commonName == identity.registrationID else {
                throw .unauthorized("certificate CN '\(commonName ?? "none")' is not the registration ID '\(identity.registrationID)'", .dpsAuthX509001)
            }
        }
        guard identity.registrationID.utf8.count <= CertificateRules.registrationIDLimit else {
            throw .unauthorized("an X.509 registration ID has at most \(CertificateRules.registrationIDLimit) characters (the CN limit); '\(identity.registrationID)' has \(identity.registrationID.utf8.count)", .dpsAuthX509001)
        }
        let enrolledItself = configuration.enrollments.individual(for: identity.registrationID) != nil
        if let problem = CertificateRules.leafProblem(leaf, enrolledItself: enrolledItself) { throw .unauthorized(problem, .dpsAuthX509002) }
        guard CertificateFacts.isValid(leaf, at: now) else {
            throw .unauthorized("the device certificate is not valid at \(DPSTimestamp.string(from: now)) (valid \(DPSTimestamp.string(from: leaf.notValidBefore)) to \(DPSTimestamp.string(from: leaf.notValidAfter)))", .dpsAuthX509002)
        }
        let leafInfo = CertificateFacts.info(leaf, der: chain.leafDER)
        if let individual = configuration.enrollments.individual(for: identity.registrationID) {
            guard case .x509(let primary, let secondary) = individual.attestation else {
                throw .unauthorized("the enrollment of \(identity.registrationID) uses a symmetric key, not X.509")
            }
            guard primary.matches(chain.leafDER) || (secondary?.matches(chain.leafDER) ?? false) else {
                throw .unauthorized("the presented certificate is not the one enrolled for \(identity.registrationID)", .dpsAuthX509002)
            }
            return EnrollmentMatch(individual: individual, x509: X509RegistrationResult(certificateInfo: leafInfo))
        }
        return try attestX509Group(identity, chain: chain, leafInfo: leafInfo, now: now)
    }

    /// Walks the chain from the leaf's issuer upward; each link must verify, and the first
    /// certificate that is (or is signed by) a group's CA decides the group.
    private func attestX509Group(_ identity: DeviceIdentity, chain: PresentedChain, leafInfo: X509CertificateInfo, now: Date) throws(Failure) -> EnrollmentMatch {
        let groups: [(EnrollmentGroup, [Certificate])] = configuration.enrollments.groups.compactMap { group in
            guard case .x509CA(let primary, let secondary) = group.attestation else { return nil }
            let cas = ([primary] + (secondary.map { [$0] } ?? [])).compactMap { try? Certificate(derEncoded: $0) }
            return (group, cas)
        }
        guard !groups.isEmpty else { throw .notFound("no individual or X.509 group enrollment for \(identity.registrationID)") }
        var child = chain.leaf
        for index in 0...chain.certificates.count {
            // A group whose CA issued `child` (the CA itself need not be presented).
            for (group, cas) in groups {
                if let ca = cas.first(where: { $0.subject == child.issuer && verifies($0, issued: child) }) {
                    guard CertificateFacts.isValid(ca, at: now) else { throw .unauthorized("the group CA of \(group.groupID) is not valid now", .dpsAuthX509002) }
                    if let problem = CertificateRules.issuerProblem(ca, below: chain.certificates[0...index]) { throw .unauthorized(problem, .dpsAuthX509002) }
                    let signing = CertificateFacts.info(ca, der: CertificateFacts.der(ca))
                    return EnrollmentMatch(group: group, registrationID: identity.registrationID,
                                           x509: X509RegistrationResult(certificateInfo: leafInfo, enrollmentGroupId: group.groupID,
                                                                        signingCertificateInfo: signing))
                }
            }
            let next = index + 1
            guard next < chain.certificates.count else { break }
            let parent = chain.certificates[next]
            guard parent.subject == child.issuer, verifies(parent, issued: child) else {
                throw .unauthorized("certificate \(next) of the presented chain did not issue certificate \(index)", .dpsAuthX509002)
            }
            guard CertificateFacts.isValid(parent, at: now) else { throw .unauthorized("certificate \(next) of the presented chain is not valid now", .dpsAuthX509002) }
            if let problem = CertificateRules.issuerProblem(parent, below: chain.certificates[0..<next]) { throw .unauthorized(problem, .dpsAuthX509002) }
            child = parent
        }
        throw .unauthorized("the presented chain does not lead to the CA of any X.509 enrollment group", .dpsAuthX509002)
    }

    /// Whether `issuer`'s key signed `child` (always true under the deliberate weakness that skips signatures).
    private func verifies(_ issuer: Certificate, issued child: Certificate) -> Bool {
        configuration.deliberateWeakness == .skipsCertificateSignatures || issuer.publicKey.isValidSignature(child.signature, for: child)
    }
}

extension Attestor {
    /// The deliberate intolerance of `configuration.quirks` towards SAS token forms that DPS
    /// accepts (DPS-SVC-SAS-001..003); none by default.
    func refuseByQuirks(_ token: SASToken, identity: DeviceIdentity) throws(Failure) {
        let quirks = configuration.quirks
        if quirks.sasUpperHexOnly,
           token.resource != SASToken.resourceText(idScope: identity.idScope, registrationID: identity.registrationID, encoding: .upperHex) {
            throw .unauthorized("quirk sasUpperHexOnly: sr is not upper-case percent-encoded", .dpsSvcSas001)
        }
        if quirks.requireSkn, token.keyName?.isEmpty ?? true {
            throw .unauthorized("quirk requireSkn: the token has no skn", .dpsSvcSas002)
        }
        if quirks.sasStrictFieldOrder, token.fieldOrder != Array(["sr", "sig", "se", "skn"].prefix(token.fieldOrder.count)) {
            throw .unauthorized("quirk sasStrictFieldOrder: fields in the order \(token.fieldOrder.joined(separator: ", "))", .dpsSvcSas003)
        }
    }
}
