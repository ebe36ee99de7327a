/// Interpretations of the `retry-after` property / header (retry handling of the Azure IoT device SDKs).
public enum RetryAfter {
    /// The service's meaning: a decimal integer number of seconds. Anything else (fractions,
    /// HTTP dates, signs, empty) is not a valid value and yields nil.
    public static func seconds(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 10, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(text)
    }

    /// What the Azure IoT C SDK makes of it (`parse_retry_after_value`): values outside 1...300,
    /// non-numbers and absence all become 1 s. A model of a device quirk, used by the
    /// mutant profile that mimics it; vectors `csdk_parse_retry_after_*`.
    public static func cSDKInterpretation(_ text: String?) -> Int {
        guard let text, let value = Int(text.trimmingPrefixWhitespace()), (1...300).contains(value) else { return 1 }
        return value
    }
}

extension String {
    fileprivate func trimmingPrefixWhitespace() -> Substring {
        drop(while: { $0 == " " || $0 == "\t" })
    }
}

/// Exponential back-off with jitter as the Embedded C SDK computes it
/// (`az_iot_calculate_retry_delay`; vectors `retry_delay_ms`):
/// `d = min(min·2^attempt, max); if max − d > jitter { d += jitter }; d −= elapsed; max(d, 0)`.
public enum ExponentialBackoff {
    public static func delayMilliseconds(operationMilliseconds: Int, attempt: Int, minimumMilliseconds: Int,
                                         maximumMilliseconds: Int, jitterMilliseconds: Int) -> Int {
        let exponent = min(max(attempt, 0), 30)
        let (scaled, overflow) = minimumMilliseconds.multipliedReportingOverflow(by: 1 << exponent)
        var delay = overflow ? maximumMilliseconds : min(scaled, maximumMilliseconds)
        if maximumMilliseconds - delay > jitterMilliseconds { delay += jitterMilliseconds }
        return max(delay - operationMilliseconds, 0)
    }
}
