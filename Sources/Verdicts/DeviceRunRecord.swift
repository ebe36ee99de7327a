import Foundation

/// What ran as the device in a case and how it ended, for the reports: the reference device
/// (or a mutant) in process, or an external program with its exit and the redacted tail of its
/// output. Never holds a secret: the command is recorded as written, with placeholders.
public struct DeviceRunRecord: Sendable, Hashable, Codable {
    /// `reference`, `mutant:NAME`, `command` or `wait` (a board on the bench).
    public var kind: String
    /// The device command as given (placeholders unexpanded), for an external device.
    public var command: String?
    /// How the program ended ("exited with status 0", "still running after 120 s: ...").
    public var end: String?
    /// The program's exit status, when it exited.
    public var exitStatus: Int?
    /// The end of its stdout and stderr, secrets removed, and how many bytes each had in all.
    public var stdoutTail: String?
    public var stderrTail: String?
    public var stdoutBytes: Int?
    public var stderrBytes: Int?
    /// The device's own report (the last JSON object on its stdout), redacted.
    public var report: [String: String]?
    /// The case's work directory as the device saw it (deleted after the case).
    public var workDirectory: String?
    /// What a board on the bench must be set to (endpoint, ID scope, registration ID, files).
    public var settings: [String: String]?

    public init(kind: String) {
        self.kind = kind
    }
}
