import DPSCore
import NIOCore

/// Closes a device connection of the proxy whose first bytes do not come within `limit`, noting
/// why: the proxy opens its upstream connection only at the device's first packet or request, so
/// a device that finishes TLS and then stays silent would otherwise hold the connection for ever.
/// At the first read the handler leaves the pipeline: from then on the upstream's own deadlines
/// (CONNECT, keep-alive, idle) end a stalled exchange, and the proxy closes the device side with it.
final class ProxyQuietDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let limit: Duration
    private let phase: String
    private let note: @Sendable (WireNote) -> Void
    private var task: Scheduled<Void>?

    init(limit: Duration, phase: String, note: @escaping @Sendable (WireNote) -> Void) {
        self.limit = limit
        self.phase = phase
        self.note = note
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        task?.cancel()
        task = nil
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        task?.cancel()
        task = nil
        context.fireChannelInactive()
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard task == nil else { return }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let note = self.note
        let cause = CloseCause.deadline(phase: phase, seconds: limit.seconds)
        task = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(limit.seconds * 1e9))) {
            note(.closed(cause))
            bound.value.close(promise: nil)
        }
    }
}
