import ArgumentParser
import DICE
import DPSCore
import Foundation

/// `dpsconform dice`: the MXChip AZ3166 DevKit DICE/RIoT derivation (profile devkit-riot).
struct DiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dice",
        abstract: "DevKit DICE/RIoT: the dps_cert_gen certificate and every intermediate of the derivation.",
        subcommands: [DiceCertCommand.self, DiceDeriveCommand.self])
}

/// `dpsconform dice cert`: writes `REGISTRATION_ID.pem` exactly as dps_cert_gen does.
struct DiceCertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert",
        abstract: "Write REGISTRATION_ID.pem, byte for byte the Alias certificate dps_cert_gen writes.",
        discussion: "Exit codes: 0 written, 2 bad input (UDS, registration ID, .bin/.map, regions), 3 the file could not be written.")

    @OptionGroup var identity: DiceIdentityOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "Directory for REGISTRATION_ID.pem.")
    var output: String = "."

    func run() throws {
        let derivation = try identity.derive()
        if let failure = derivation.certificateFailure {
            // dps_cert_gen writes an empty file here; an empty enrollment certificate helps nobody.
            throw Failure(status: ExitStatus.badInput, message: "no certificate for registration ID '\(derivation.registrationID.value)': "
                          + "\(failure.description) (dps_cert_gen would write an empty .pem)")
        }
        let url = URL(fileURLWithPath: output).appendingPathComponent(derivation.registrationID.value + ".pem")
        do {
            try Data(derivation.dpsCertGenPemFile.utf8).write(to: url, options: .atomic)
        } catch {
            throw Failure(status: ExitStatus.harnessFailed, message: "cannot write \(url.path): \(error.localizedDescription)")
        }
        print(url.path)
    }
}

/// `dpsconform dice derive`: every intermediate under the vector file's names.
struct DiceDeriveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "derive",
        abstract: "Print every value of the derivation under the names of Vectors/dice (secrets redacted unless --show-secrets).",
        discussion: "Exit codes: 0 derived, 2 bad input (including registration IDs of 127 or 128 characters, which yield keys "
            + "but no certificate: the values are printed, then the command fails), 3 a file could not be written.")

    @OptionGroup var identity: DiceIdentityOptions

    @Flag(name: .long, help: "Print one JSON object instead of name: value lines.")
    var json = false

    @Flag(name: .long, help: "Print secret values (UDS, CDI, seeds, KDF outputs, private keys) instead of <redacted>.")
    var showSecrets = false

    @Option(name: .long, help: "Write the Alias private key PEM (mode 0600) to this file, for a simulated device.")
    var aliasKeyOut: String?

    func run() throws {
        let derivation = try identity.derive()
        let values = showSecrets ? derivation.namedValues : derivation.namedValues.redacted
        let note = showSecrets
            ? "Secret values are shown (--show-secrets): anyone holding them can impersonate the device."
            : "Secret values (UDS, CDI, seeds, KDF outputs, private keys, Alias key PEM) are redacted; --show-secrets prints them."
        print(json ? Self.jsonText(values, note: note, secretsShown: showSecrets) : Self.lines(values, note: note))
        if let failure = derivation.certificateFailure {
            throw Failure(status: ExitStatus.badInput, message: "no certificate for registration ID '\(derivation.registrationID.value)': \(failure.description)")
        }
        if let aliasKeyOut, let set = try? derivation.certificates.get() {
            do {
                try PrivateKeyFile.write(set.aliasKeyPEM, to: aliasKeyOut)
            } catch {
                throw Failure(status: ExitStatus.harnessFailed, message: "cannot write \(aliasKeyOut): \(error)")
            }
        }
    }

    static func lines(_ values: [DiceNamedValue], note: String) -> String {
        var lines = ["# profile devkit-riot. " + note]
        for value in values {
            // PEMs span lines; indent their continuation so each value stays readable.
            let text = value.value.hasSuffix("\n") ? String(value.value.dropLast()) : value.value
            lines.append("\(value.name): " + text.replacingOccurrences(of: "\n", with: "\n    "))
        }
        return lines.joined(separator: "\n")
    }

    /// `{"profile", "secrets", "note", "values": {name: value, …}}` in vector-file order;
    /// certificate lengths are numbers as in the vector file.
    static func jsonText(_ values: [DiceNamedValue], note: String, secretsShown: Bool) -> String {
        var members: [String] = []
        for value in values {
            let isLength = value.name.hasSuffix("DerLength") && !value.value.isEmpty && value.value.allSatisfy(\.isASCII)
                && Int(value.value) != nil
            members.append("    " + JSONText.quoted(value.name) + ": " + (isLength ? value.value : JSONText.quoted(value.value)))
        }
        return "{\n  \"profile\": \"devkit-riot\",\n  \"secrets\": \(secretsShown ? "\"shown\"" : "\"redacted\""),\n"
            + "  \"note\": \(JSONText.quoted(note)),\n  \"values\": {\n" + members.joined(separator: ",\n") + "\n  }\n}"
    }
}

/// What both dice commands take: the UDS, the registration ID and the firmware, as a `.bin`
/// with its `.map` (dps_cert_gen's -b/-m), as two hex files, or as two binary region files.
/// Values are taken as given even when they start with '-', as getopt does for dps_cert_gen
/// (registration IDs such as `-device-` are legal).
struct DiceIdentityOptions: ParsableArguments {
    @Option(name: [.customShort("b"), .customLong("bin")], parsing: .unconditional, help: "Firmware image (.ino.bin).")
    var bin: String?

    @Option(name: [.customShort("m"), .customLong("map")], parsing: .unconditional, help: "Linker map of the image (.ino.map).")
    var map: String?

    @Option(name: [.customShort("u"), .customLong("uds")], parsing: .unconditional, help: "Unique Device Secret: 64 hex characters.")
    var uds: String?

    @Option(name: .long, parsing: .unconditional, help: "File holding the UDS (keeps it out of the process list).")
    var udsFile: String?

    @Option(name: [.customShort("i"), .customLong("registration-id")], parsing: .unconditional, help: "Registration ID (1-126 of a-z 0-9 -; the Alias CN).")
    var registrationId: String

    @Option(name: .long, parsing: .unconditional, help: "riot_core region as a hex text file (with --regions-fw, instead of -b/-m).")
    var regionsCore: String?

    @Option(name: .long, parsing: .unconditional, help: "riot_fw region as a hex text file.")
    var regionsFw: String?

    @Option(name: .long, parsing: .unconditional, help: "riot_core region as a binary file (with --riot-fw, instead of -b/-m).")
    var riotCore: String?

    @Option(name: .long, parsing: .unconditional, help: "riot_fw region as a binary file.")
    var riotFw: String?

    /// Input files are kilobytes to a megabyte; the bound stops a wrong path from exhausting memory.
    static let maximumFileSize = 64 * 1024 * 1024

    func validate() throws {
        let sources = [bin != nil || map != nil, regionsCore != nil || regionsFw != nil, riotCore != nil || riotFw != nil]
        guard sources.filter({ $0 }).count == 1 else {
            throw ValidationError("give the firmware once: -b FILE -m FILE, or --regions-core HEX_FILE --regions-fw HEX_FILE, "
                                  + "or --riot-core FILE --riot-fw FILE")
        }
        if sources[0], bin == nil || map == nil { throw ValidationError("-b and -m go together") }
        if sources[1], regionsCore == nil || regionsFw == nil { throw ValidationError("--regions-core and --regions-fw go together") }
        if sources[2], riotCore == nil || riotFw == nil { throw ValidationError("--riot-core and --riot-fw go together") }
        guard (uds == nil) != (udsFile == nil) else { throw ValidationError("give the UDS once: -u UDS or --uds-file FILE") }
    }

    /// Reads and validates everything, then derives; every refusal is bad input (exit 2).
    func derive() throws -> DevKitRIoTDerivation {
        do {
            let secret = try UniqueDeviceSecret(hex: try udsText())
            let id = try DevKitRegistrationID(registrationId)
            let regions: FirmwareRegions
            if let bin, let map {
                regions = try DICEInput.context(bin) { try FirmwareRegions(binary: try Self.read(bin), mapFile: try Self.read(map)) }
            } else if let regionsCore, let regionsFw {
                regions = try DICEInput.context("\(regionsCore), \(regionsFw)") {
                    try FirmwareRegions(riotCore: try Self.readHex(regionsCore), riotFw: try Self.readHex(regionsFw))
                }
            } else if let riotCore, let riotFw {
                regions = try DICEInput.context("\(riotCore), \(riotFw)") {
                    try FirmwareRegions(riotCore: try Self.read(riotCore), riotFw: try Self.read(riotFw))
                }
            } else {
                throw Failure(status: ExitStatus.badInput, message: "no firmware given")
            }
            return try DevKitRIoTProfile().derive(DiceInputs(uds: secret, firmware: regions, registrationID: id))
        } catch let error as DICEError {
            throw Failure(status: ExitStatus.badInput, message: error.description)
        }
    }

    private func udsText() throws -> String {
        if let uds { return uds }
        guard let udsFile else { throw Failure(status: ExitStatus.badInput, message: "no UDS given") }
        let text = String(decoding: try Self.read(udsFile), as: UTF8.self)
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func read(_ path: String) throws -> [UInt8] {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maximumFileSize else {
            throw Failure(status: ExitStatus.badInput, message: "\(path): \(size) bytes is larger than the \(maximumFileSize) accepted")
        }
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw Failure(status: ExitStatus.badInput, message: "cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Hex digits in either case; whitespace and line breaks between them are ignored.
    static func readHex(_ path: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var high: UInt8?
        for (offset, byte) in try read(path).enumerated() {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { continue }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Failure(status: ExitStatus.badInput, message: "\(path): byte \(offset) is not a hex digit")
            }
            if let value = high { out.append(value << 4 | digit); high = nil } else { high = digit }
        }
        guard high == nil else { throw Failure(status: ExitStatus.badInput, message: "\(path): odd number of hex digits") }
        return out
    }
}

/// Names the files behind a DICE refusal, so "riot_core ends past the binary" says which binary.
enum DICEInput {
    static func context<T>(_ files: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DICEError {
            throw Failure(status: ExitStatus.badInput, message: "\(files): \(error.description)")
        }
    }
}

/// A private key file readable by its owner only: written to a temporary file created with
/// mode 0600 beside the target, then renamed over it, so no reader ever sees a wider mode.
enum PrivateKeyFile {
    static func write(_ text: String, to path: String) throws {
        let target = URL(fileURLWithPath: path)
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(getpid()).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
            guard rename(temporary.path, target.path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            unlink(temporary.path)
            throw error
        }
    }
}
