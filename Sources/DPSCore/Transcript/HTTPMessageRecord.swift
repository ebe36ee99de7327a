/// An HTTP/1.1 request as recorded: the method and target, the route it resolved to (or why it
/// did not), the headers (the `Authorization` value redacted) and the body as text.
public struct HTTPRequestRecord: Sendable, Hashable, Codable {
    public var method: String
    /// The request target as sent (SAS signatures redacted).
    public var target: String
    public var version: String
    public var headers: [HTTPFieldRecord]
    public var bodySize: Int
    public var body: PayloadText?
    /// The DPS operation the method and target name, when they name one.
    public var route: DPSRoute?
    /// Why the method and target name no DPS operation, when they do not.
    public var routeError: DPSRouteError?

    /// `textLimit`: a body larger than this is kept as its digest only (a bounded transcript).
    /// `resolved`: the route `method` and `target` name, when the caller has already resolved it
    /// with `DPSRoute(method:target:)` (a server does, to answer the request).
    public init(method: String, target: String, version: String, headers: [(name: String, value: String)], body: [UInt8], bodySize: Int? = nil,
                textLimit: Int? = nil, resolved: Result<DPSRoute, DPSRouteError>? = nil) {
        self.method = method
        self.target = Redaction.text(target)
        self.version = version
        self.headers = headers.map { HTTPFieldRecord(name: $0.name, value: $0.value) }
        self.bodySize = bodySize ?? body.count
        self.body = body.isEmpty ? nil : PayloadText(body, textLimit: textLimit)
        switch resolved ?? Result(catching: { () throws(DPSRouteError) in try DPSRoute(method: method, target: target) }) {
        case .success(let resolvedRoute): route = resolvedRoute
        case .failure(let error): routeError = error
        }
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// Whether the body was read at all (a body refused at the head for its size was not).
    public var bodyWasRead: Bool { bodySize == 0 || body != nil }
}

/// An HTTP/1.1 response as recorded.
public struct HTTPResponseRecord: Sendable, Hashable, Codable {
    public var status: Int
    public var reason: String
    public var headers: [HTTPFieldRecord]
    public var bodySize: Int
    public var body: PayloadText?

    public init(status: Int, reason: String, headers: [(name: String, value: String)], body: [UInt8], textLimit: Int? = nil) {
        self.status = status
        self.reason = reason
        self.headers = headers.map { HTTPFieldRecord(name: $0.name, value: $0.value) }
        self.bodySize = body.count
        self.body = body.isEmpty ? nil : PayloadText(body, textLimit: textLimit)
    }

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }
}

/// One header field; an `Authorization` value is redacted here, where the record is made.
public struct HTTPFieldRecord: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = name.lowercased() == "authorization" ? RedactedCredential(value).text : Redaction.text(value)
    }
}
