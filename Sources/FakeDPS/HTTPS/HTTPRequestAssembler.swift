import NIOCore
import NIOHTTP1

/// One whole HTTP request: its head and its body.
struct HTTPRequestMessage {
    let head: HTTPRequestHead
    let body: [UInt8]
}

/// What the assembler passes on: a whole request, or the head of one whose body is over the limit.
enum AssembledRequest {
    case complete(HTTPRequestMessage)
    /// The body is larger than the limit (`size` is the declared Content-Length, or what had
    /// arrived when the limit was crossed); the rest of it is discarded.
    case oversized(HTTPRequestHead, size: Int)
}

/// Collects the parts NIO's HTTP decoder produces into whole requests and enforces the message
/// size limit (DPS maximum message size 96 KB, Microsoft Learn DPS quotas and limits) before a body is buffered: a declared
/// Content-Length over the limit is refused at the head, a chunked body when it crosses the limit.
/// Answers `Expect: 100-continue` for bodies it will accept (curl sends it for large bodies).
final class HTTPRequestAssembler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = AssembledRequest
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case collecting(HTTPRequestHead, [UInt8])
        /// The request was refused as oversized; its remaining parts are dropped.
        case discarding
    }

    private let maximumBodySize: Int
    private var state: State = .idle
    /// Told when a head has arrived and when a body has ended, for the phase deadlines.
    private let deadlines: HTTPDeadlineHandler?

    init(maximumBodySize: Int, deadlines: HTTPDeadlineHandler? = nil) {
        self.maximumBodySize = maximumBodySize
        self.deadlines = deadlines
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head: deadlines?.headReceived()
        case .end: deadlines?.requestEnded()
        case .body: break
        }
        switch (part, state) {
        case (.head(let head), _):
            if let declared = head.headers.first(name: "content-length").flatMap({ Int($0) }), declared > maximumBodySize {
                state = .discarding
                context.fireChannelRead(wrapInboundOut(.oversized(head, size: declared)))
                return
            }
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                let continuation = HTTPResponseHead(version: head.version, status: .continue)
                context.writeAndFlush(wrapOutboundOut(.head(continuation)), promise: nil)
            }
            state = .collecting(head, [])
        case (.body(var buffer), .collecting(let head, var body)):
            state = .idle  // drops the reference so appending does not copy
            body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            if body.count > maximumBodySize {
                state = .discarding
                context.fireChannelRead(wrapInboundOut(.oversized(head, size: body.count)))
            } else {
                state = .collecting(head, body)
            }
        case (.end, .collecting(let head, let body)):
            state = .idle
            context.fireChannelRead(wrapInboundOut(.complete(HTTPRequestMessage(head: head, body: body))))
        case (.end, .discarding):
            state = .idle
        case (.body, .idle), (.body, .discarding), (.end, .idle):
            return
        }
    }
}
