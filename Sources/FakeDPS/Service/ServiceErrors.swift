import DPSCore
import Foundation

/// Error responses of the fake, each with its HTTP-like status and six-digit code (Microsoft Learn how-to-troubleshoot-dps, error codes).
enum ServiceErrors {
    static func response(_ errorCode: Int, _ message: String, at now: Date, retryAfter: String? = nil) -> ServiceResponse {
        let details = ProvisioningServiceErrorDetails(errorCode: errorCode, trackingId: UUID().uuidString.lowercased(),
                                                      message: message, timestampUtc: DPSTimestamp.string(from: now))
        return ServiceResponse(status: DPSErrorCode.status(of: errorCode), retryAfter: retryAfter, model: details)
    }

    static let badRequest = 400001
}
