import Foundation

/// Certificate and key PEM files the device made for itself (DICE Alias identity), in a private
/// temporary directory: the directory is 0700, the files 0600, and both go when the run ends.
struct PrivateCredentialFiles: Sendable {
    let directory: URL
    let certificateFile: String
    let keyFile: String

    /// Writes `certificatePEM` and `keyPEM` into a fresh private directory.
    static func write(certificatePEM: String, keyPEM: String) throws(DeviceError) -> PrivateCredentialFiles {
        let manager = FileManager.default
        let directory = manager.temporaryDirectory.appendingPathComponent("dpsconform-device-\(UUID().uuidString)")
        do {
            try manager.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            let certificate = directory.appendingPathComponent("alias-cert.pem")
            let key = directory.appendingPathComponent("alias-key.pem")
            // The key file is created 0600 before the secret is written into it.
            guard manager.createFile(atPath: key.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw DeviceError(.fileNotWritable, "cannot create \(key.path)")
            }
            try Data(keyPEM.utf8).write(to: key)
            guard manager.createFile(atPath: certificate.path, contents: Data(certificatePEM.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw DeviceError(.fileNotWritable, "cannot create \(certificate.path)")
            }
            return PrivateCredentialFiles(directory: directory, certificateFile: certificate.path, keyFile: key.path)
        } catch let error as DeviceError {
            try? manager.removeItem(at: directory)
            throw error
        } catch {
            try? manager.removeItem(at: directory)
            throw DeviceError(.fileNotWritable, "cannot write the credential files under \(directory.path): \(error.localizedDescription)")
        }
    }

    /// Deletes the directory and the key in it.
    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// PEM as OpenSSL and BoringSSL read it everywhere: base64 wrapped at 64 columns (RFC 7468 §2).
enum PEMText {
    static func encode(_ der: [UInt8], label: String) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(base64)\n-----END \(label)-----\n"
    }

    /// DER of every `label` block in `text`.
    static func decodeAll(_ text: String, label: String) -> [[UInt8]] {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        var blocks: [[UInt8]] = []
        var body: String?
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line == begin {
                body = ""
            } else if line == end, let collected = body {
                if let data = Data(base64Encoded: collected) { blocks.append(Array(data)) }
                body = nil
            } else if body != nil {
                body? += line
            }
        }
        return blocks
    }
}
