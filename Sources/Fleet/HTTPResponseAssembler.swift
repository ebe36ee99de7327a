import NIOCore
import NIOHTTP1

/// A whole HTTP response: what a DPS client reads.
struct FleetHTTPResponse: Sendable {
    var status: Int
    var retryAfter: String?
    var closes: Bool
    var body: [UInt8]
}

/// Gathers NIOHTTP1's response parts into one `FleetHTTPResponse`.
final class HTTPResponseAssembler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias InboundOut = FleetHTTPResponse

    private var pending: FleetHTTPResponse?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            pending = FleetHTTPResponse(status: Int(head.status.code), retryAfter: head.headers.first(name: "retry-after"),
                                        closes: !head.isKeepAlive, body: [])
        case .body(let buffer):
            pending?.body.append(contentsOf: buffer.readableBytesView)
        case .end:
            if let response = pending { context.fireChannelRead(wrapInboundOut(response)) }
            pending = nil
        }
    }
}
