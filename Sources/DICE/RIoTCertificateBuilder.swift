/// Builds the two DevKit certificates and the key encodings exactly as `RiotX509Bldr.c` does
/// (RiotX509Bldr.c, microsoft/devkit-sdk): fixed serials and validity, names in the order CN, C, O all as UTF8String,
/// no NULL in the signature algorithm, one-line PEM.
enum RIoTCertificateBuilder {
    static let issuerCommonName = "devkitdice"
    static let country = "US"
    static let organization = "DEVKIT_TEST"
    /// Constant serials, INTEGERs from 5 bytes.
    static let aliasSerial: [UInt8] = [0x0a, 0x0b, 0x0c, 0x0d, 0x0e]
    static let deviceIdSerial: [UInt8] = [0x0e, 0x0d, 0x0c, 0x0b, 0x0a]
    static let notBefore = "170101000000Z"
    static let notAfter = "370101000000Z"

    /// `SEQUENCE { SET{CN}, SET{C}, SET{O} }`; nil when a value is 127 bytes or longer.
    static func name(commonName: String) -> [UInt8]? {
        guard let cn = DERWriter.utf8String(commonName),
              let c = DERWriter.utf8String(country),
              let o = DERWriter.utf8String(organization) else { return nil }
        return DERWriter.sequence(
            DERWriter.set(DERWriter.sequence(DERWriter.objectIdentifier(RIoTObjectIdentifier.commonName), cn)),
            DERWriter.set(DERWriter.sequence(DERWriter.objectIdentifier(RIoTObjectIdentifier.countryName), c)),
            DERWriter.set(DERWriter.sequence(DERWriter.objectIdentifier(RIoTObjectIdentifier.organizationName), o)))
    }

    /// `SEQ{ SEQ{id-ecPublicKey, prime256v1}, BIT STRING 00||04XY }`.
    static func subjectPublicKeyInfo(_ publicKey: [UInt8]) -> [UInt8] {
        DERWriter.sequence(
            DERWriter.sequence(DERWriter.objectIdentifier(RIoTObjectIdentifier.ecPublicKey),
                               DERWriter.objectIdentifier(RIoTObjectIdentifier.prime256v1)),
            DERWriter.bitString(publicKey))
    }

    static var signatureAlgorithm: [UInt8] {
        DERWriter.sequence(DERWriter.objectIdentifier(RIoTObjectIdentifier.ecdsaWithSHA256))
    }

    private static func tbsHeader(serial: [UInt8], issuer: [UInt8]) -> [UInt8] {
        DERWriter.explicit(0, DERWriter.integer(2))
            + DERWriter.integer(bigEndian: serial)
            + signatureAlgorithm
            + issuer
            + DERWriter.sequence(DERWriter.utcTime(notBefore), DERWriter.utcTime(notAfter))
    }

    /// `X509GetAliasCertTBS`: nil when the registration ID cannot be encoded (127+ bytes).
    static func aliasTBS(registrationID: String, aliasPublicKey: [UInt8], deviceIdPublicKey: [UInt8],
                         fwid: [UInt8]) -> [UInt8]? {
        guard let issuer = name(commonName: issuerCommonName),
              let subject = name(commonName: registrationID) else { return nil }
        let extendedKeyUsage = DERWriter.sequence(
            DERWriter.objectIdentifier(RIoTObjectIdentifier.extendedKeyUsage),
            DERWriter.boolean(true),
            DERWriter.octetString(DERWriter.sequence(DERWriter.objectIdentifier(RIoTObjectIdentifier.clientAuth))))
        // otherName value WITHOUT the [0] EXPLICIT wrapper RFC 5280 requires (reference quirk).
        let riotIdentity = DERWriter.sequence(
            DERWriter.integer(1),
            subjectPublicKeyInfo(deviceIdPublicKey),
            DERWriter.sequence(DERWriter.objectIdentifier(RIoTObjectIdentifier.sha256), DERWriter.octetString(fwid)))
        let otherName = DERWriter.explicit(0, DERWriter.objectIdentifier(RIoTObjectIdentifier.riotCompositeDeviceID) + riotIdentity)
        let subjectAltName = DERWriter.sequence(
            DERWriter.objectIdentifier(RIoTObjectIdentifier.subjectAltName),
            DERWriter.boolean(true),
            DERWriter.octetString(DERWriter.sequence(otherName)))
        return DERWriter.sequence(
            tbsHeader(serial: aliasSerial, issuer: issuer),
            subject,
            subjectPublicKeyInfo(aliasPublicKey),
            DERWriter.explicit(3, DERWriter.sequence(extendedKeyUsage, subjectAltName)))
    }

    /// `X509GetDeviceCertTBS`: self-signed, basicConstraints CA:TRUE pathLen 2, not critical.
    static func deviceIdTBS(deviceIdPublicKey: [UInt8]) -> [UInt8]? {
        guard let name = name(commonName: issuerCommonName) else { return nil }
        let basicConstraints = DERWriter.sequence(
            DERWriter.objectIdentifier(RIoTObjectIdentifier.basicConstraints),
            DERWriter.octetString(DERWriter.sequence(DERWriter.boolean(true), DERWriter.integer(2))))
        return DERWriter.sequence(
            tbsHeader(serial: deviceIdSerial, issuer: name),
            name,
            subjectPublicKeyInfo(deviceIdPublicKey),
            DERWriter.explicit(3, DERWriter.sequence(basicConstraints)))
    }

    /// `SEQ{ TBS, SEQ{ecdsaWithSHA256}, BIT STRING{ SEQ{INTEGER r, INTEGER s} } }`.
    static func certificate(tbs: [UInt8], signature: ECDSASignatureValue) -> [UInt8] {
        let signatureValue = DERWriter.sequence(DERWriter.integer(bigEndian: signature.r),
                                                DERWriter.integer(bigEndian: signature.s))
        return DERWriter.sequence(tbs, signatureAlgorithm, DERWriter.bitString(signatureValue))
    }

    /// RFC 5915 `ECPrivateKey`: `SEQ{ INTEGER 1, OCTET STRING d, [0]{prime256v1}, [1]{BIT STRING 04XY} }`.
    static func ecPrivateKey(privateKey: [UInt8], publicKey: [UInt8]) -> [UInt8] {
        DERWriter.sequence(
            DERWriter.integer(1),
            DERWriter.octetString(privateKey),
            DERWriter.explicit(0, DERWriter.objectIdentifier(RIoTObjectIdentifier.prime256v1)),
            DERWriter.explicit(1, DERWriter.bitString(publicKey)))
    }
}
