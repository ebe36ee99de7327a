/// The MQTT CONNECT username of a DPS device:
/// `{idScope}/registrations/{registrationId}/api-version={v}[&ClientVersion={ua}]` (Microsoft Learn iot-dps-mqtt-support).
public struct MQTTUsername: Sendable, Hashable {
    public var idScope: String
    public var registrationID: String
    public var apiVersion: String
    /// The ClientVersion text as sent (raw in the Embedded C SDK/the C SDK, percent-encoded in the Python SDK/the Node SDK/the C# SDK).
    public var clientVersion: String?

    public init(idScope: String, registrationID: String, apiVersion: String = APIVersion.deviceDefault, clientVersion: String? = nil) {
        self.idScope = idScope
        self.registrationID = registrationID
        self.apiVersion = apiVersion
        self.clientVersion = clientVersion
    }

    /// The username text; an empty ClientVersion is omitted like the Embedded C SDK does (vector `mqtt_username_basic`).
    public var text: String {
        var text = "\(idScope)/registrations/\(registrationID)/api-version=\(apiVersion)"
        if let clientVersion, !clientVersion.isEmpty { text += "&ClientVersion=" + clientVersion }
        return text
    }

    /// Parses a username. `?api-version=` instead of `/api-version=` is refused with its own
    /// requirement, because it is a known device mistake (DPS-MQTT-CONN-003).
    public init(parsing text: String) throws {
        let marker = "/registrations/"
        guard let markerRange = text.range(of: marker) else {
            throw DPSCoreError(.usernameMalformed, "username '\(text)' lacks '/registrations/'", requirement: .dpsMqttConn002)
        }
        let scope = String(text[..<markerRange.lowerBound])
        let rest = text[markerRange.upperBound...]
        let versionRange: Range<Substring.Index>
        if let range = rest.range(of: "/api-version=") {
            versionRange = range
        } else if rest.range(of: "?api-version=") != nil {
            throw DPSCoreError(.usernameWrongSeparator, "username '\(text)' uses '?' before api-version; DPS requires '/'", requirement: .dpsMqttConn003)
        } else {
            throw DPSCoreError(.usernameMalformed, "username '\(text)' lacks '/api-version='", requirement: .dpsMqttConn002)
        }
        let id = String(rest[..<versionRange.lowerBound])
        let query = rest[versionRange.upperBound...]
        var version = String(query)
        var clientVersion: String?
        if let amp = query.firstIndex(of: "&") {
            version = String(query[..<amp])
            let tail = query[query.index(after: amp)...]
            guard tail.hasPrefix("ClientVersion=") else {
                throw DPSCoreError(.usernameMalformed, "username '\(text)' has an unknown property after api-version", requirement: .dpsMqttConn002)
            }
            clientVersion = String(tail.dropFirst("ClientVersion=".count))
        }
        guard !scope.isEmpty, !scope.contains("/") else {
            throw DPSCoreError(.usernameMalformed, "username '\(text)' has an empty or malformed ID scope", requirement: .dpsMqttConn002)
        }
        guard !id.isEmpty, !version.isEmpty else {
            throw DPSCoreError(.usernameMalformed, "username '\(text)' has an empty registration ID or api-version", requirement: .dpsMqttConn002)
        }
        self.init(idScope: scope, registrationID: id, apiVersion: version, clientVersion: clientVersion)
    }
}

/// DPS api-version values (Microsoft Learn iot-dps-mqtt-support and the DPS REST API).
public enum APIVersion {
    /// The de-facto device version used by the Embedded C SDK, the Python SDK, the Node SDK and the C# SDK.
    public static let deviceDefault = "2019-03-31"
    /// The C SDK's version.
    public static let cSDK = "2021-06-01"
    /// Oldest GA version in the TypeSpec.
    public static let stable = "2021-10-01"
    /// Certificate issuance preview (`csr` / `issuedCertificateChain`).
    public static let certificateIssuancePreview = "2025-07-01-preview"
    /// Versions the fake accepts by default.
    public static let known: Set<String> = [deviceDefault, cSDK, stable, certificateIssuancePreview]
}
