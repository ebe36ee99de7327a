import Foundation

/// Writes the certificate corpus for other tools (`--write-corpus DIR`): per sample the leaf as DER,
/// the chain as PEM and, when it has one, the leaf's throwaway key (mode 0600); the enrolled group
/// CA and Alias certificate; and `manifest.json` with each file's class and expected verdict.
public enum CorpusWriter {
    public struct Entry: Codable, Sendable, Hashable {
        public var file: String
        public var chainFile: String
        public var keyFile: String?
        public var `class`: String
        public var control: Bool
        public var expected: String
        public var requirement: String
        public var registrationId: String
        public var chainLength: Int
    }

    public struct Manifest: Codable, Sendable {
        public var schema = "dpsconform-certificate-corpus/1"
        public var seed: UInt64
        public var classes: Int
        public var groupCA: String
        public var enrolledIndividually: [String: String]
        public var entries: [Entry]
    }

    /// Writes the corpus into `directory` (created if needed); returns the manifest.
    @discardableResult
    public static func write(_ corpus: CertificateCorpus, seed: UInt64, to directory: URL) throws -> Manifest {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        func put(_ name: String, _ bytes: [UInt8], secret: Bool = false) throws {
            let url = directory.appendingPathComponent(name)
            try Data(bytes).write(to: url, options: .atomic)
            if secret { try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path) }
        }
        try put("group-ca.pem", Array(ReproducerScenario.pem([corpus.groupCA]).utf8))
        var individual: [String: String] = [:]
        for (registrationID, der) in corpus.individual {
            let name = "enrolled-\(registrationID).pem"
            try put(name, Array(ReproducerScenario.pem([der]).utf8))
            individual[registrationID] = name
        }
        var entries: [Entry] = []
        for (number, sample) in corpus.samples.enumerated() {
            let slug = String(format: "%03d-", number) + sample.name.replacingOccurrences(of: "/", with: "_")
            try put(slug + ".der", sample.chain.first ?? [])
            try put(slug + "-chain.pem", Array(ReproducerScenario.pem(sample.chain).utf8))
            var keyFile: String?
            if let key = sample.leafKeyPEM {
                keyFile = slug + "-key.pem"
                try put(slug + "-key.pem", Array(key.utf8), secret: true)
            }
            entries.append(Entry(file: slug + ".der", chainFile: slug + "-chain.pem", keyFile: keyFile, class: sample.certificateClass.name,
                                 control: sample.isControl, expected: sample.expected.rawValue, requirement: sample.certificateClass.requirement.rawValue,
                                 registrationId: sample.registrationID, chainLength: sample.chain.count))
        }
        let manifest = Manifest(seed: seed, classes: corpus.classCount, groupCA: "group-ca.pem", enrolledIndividually: individual, entries: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try put("manifest.json", Array(try encoder.encode(manifest)))
        return manifest
    }
}
