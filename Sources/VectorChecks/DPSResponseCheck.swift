import DPSCore

/// A response body read the way a careful device reads it (ProvisioningResponse): every field a
/// `response_payload_parse` vector may expect (DPS-FLOW-RESULT-001; retry-after DPS-FLOW-RETRY-001).
enum DPSResponseCheck {
    static let result = RequirementID.dpsFlowResult001
    static let retry = RequirementID.dpsFlowRetry001

    static func observe(topic: String, payload: String, into out: inout VectorObservations) {
        let response: ProvisioningResponse
        do {
            let parsedTopic = try ResponseTopic(parsing: topic)
            response = try ProvisioningResponse(status: parsedTopic.status, retryAfterText: parsedTopic.retryAfterText,
                                                body: Array(payload.utf8))
        } catch {
            let names = (error as? DPSCoreError).map { DPSVectorKind.refusalNames($0.code) } ?? ["\(error)"]
            out.set("error", .refusal(names), result)
            for name in DPSVectorKind.responsePayloadParse.fields.keys where name != "error" {
                out.set(name, .notProduced("response refused"), name == "retry_after_seconds" ? retry : result)
            }
            return
        }
        out.set("error", .accepted, result)
        out.set("status", .integer(Int64(response.status)), result)
        out.set("operation_id", .text(response.operationID ?? ""), result)
        out.set("operation_status", .text(response.operationStatus.rawValue), result)
        out.set("complete", .bool(response.isComplete), result)
        out.set("retry_after_seconds", integer(response.retryAfterSeconds, absent: "no valid retry-after"), retry)
        out.set("extended_error_code", integer(response.extendedErrorCode, absent: "no errorCode"), result)
        out.set("error_code", integer(response.extendedErrorCode.map { DPSErrorCode.status(of: $0) }, absent: "no errorCode"), result)
        out.set("error_message", text(response.errorMessage, absent: "no error message"), result)
        switch response.body {
        case .error(let details):
            out.set("tracking_id", text(details.trackingId, absent: "no trackingId"), result)
            out.set("timestamp", text(details.timestampUtc, absent: "no timestampUtc"), result)
            for name in ["assigned_hub", "device_id", "issued_certificate_chain", "issued_certificate_chain_count"] {
                out.set(name, .notProduced("an error body has no registrationState"), result)
            }
        case .operation(let operation):
            for name in ["tracking_id", "timestamp"] {
                out.set(name, .notProduced("an operation body has no error details"), result)
            }
            let state = operation.registrationState
            out.set("assigned_hub", text(state?.assignedHub, absent: "no assignedHub"), result)
            out.set("device_id", text(state?.deviceId, absent: "no deviceId"), result)
            let chain = state?.issuedCertificateChain
            out.set("issued_certificate_chain", chain.map(ObservedValue.strings) ?? .notProduced("no issuedCertificateChain"), result)
            out.set("issued_certificate_chain_count", integer(chain?.count, absent: "no issuedCertificateChain"), result)
        }
    }

    static func integer(_ value: Int?, absent: String) -> ObservedValue {
        value.map { .integer(Int64($0)) } ?? .notProduced(absent)
    }

    static func text(_ value: String?, absent: String) -> ObservedValue {
        value.map(ObservedValue.text) ?? .notProduced(absent)
    }
}
