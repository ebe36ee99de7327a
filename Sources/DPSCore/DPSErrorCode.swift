/// Six-digit extended error codes seen from DPS (Microsoft Learn how-to-troubleshoot-dps, error codes). `code / 1000` is the
/// HTTP-like status. Unknown codes are legal, so this is a catalogue, not a closed set.
public enum DPSErrorCode {
    public static let invalidRegistrationID = 400004
    public static let customAllocationFailed = 400207
    public static let noHubLinked = 400208
    public static let hubUnauthorized = 400209
    public static let unauthorized = 401002
    public static let enrollmentNotFound = 404201
    public static let operationNotFound = 404202
    public static let preconditionFailed = 409203
    /// Throttled; the exact code is unconfirmed, this value is the fake's choice.
    public static let throttled = 429001
    /// Internal error; the exact code is unconfirmed, this value is the fake's choice.
    public static let internalError = 500001
    /// Unavailable; the exact code is unconfirmed, this value is the fake's choice.
    public static let serviceUnavailable = 503001

    /// The HTTP-like status of an extended code.
    public static func status(of code: Int) -> Int { code / 1000 }
}
