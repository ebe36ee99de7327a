import Foundation

/// The resident memory of the process the fake runs in (Linux `/proc/self/status`): what a fuzz
/// run watches for growth and `bench fleet` reports as the peak. Nil where the file is missing.
public enum ProcessMemory {
    /// Resident now (`VmRSS`), in bytes.
    public static var residentBytes: Int? { value(of: "VmRSS:") }
    /// The peak so far (`VmHWM`), in bytes.
    public static var peakResidentBytes: Int? { value(of: "VmHWM:") }

    private static func value(of key: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
              let kib = Int(line.dropFirst(key.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") else { return nil }
        return kib * 1024
    }
}
