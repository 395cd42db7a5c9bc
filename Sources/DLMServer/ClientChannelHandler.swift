// dlmd — DLMServer: one client connection: bytes in, frames to the service, protocol errors close it.

import DLMClientProtocol
import DLMCore
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The per-connection handler. Decodes frames with `FrameDecoder`, hands each to the server on the same
/// loop, flushes once per read burst, and closes the connection on any protocol error.
///
/// Output is bounded in two steps. When the client's unsent output passes half of
/// `clientOutputBytesMax` (the channel's high watermark) the handler stops reading its requests, so a
/// client that pipelines requests without reading the replies is slowed to its own reading pace
/// (backpressure) instead of growing the daemon's memory; reading resumes below a quarter. Callbacks
/// caused by other clients still queue up; when the unsent output passes `clientOutputBytesMax` the
/// server sends `ClientOutputLimitExceeded` and the handler logs it and closes the connection.
final class ClientChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let server: DLMServer
    private var decoder = FrameDecoder<ClientRequest>()
    private var session: UInt64 = 0
    private var closing = false
    private var logger: Logger

    init(server: DLMServer) {
        self.server = server
        self.logger = server.logger
    }

    func channelActive(context: ChannelHandlerContext) {
        let credentials = PeerCredentials.of(context.channel) ?? PeerCredentials(pid: 0, uid: UInt32.max, gid: UInt32.max)
        session = server.connected(context.channel, credentials: credentials)
        logger[metadataKey: "dlm.client.pid"] = "\(credentials.pid)"
        logger[metadataKey: "dlm.client.uid"] = "\(credentials.uid)"
        logger[metadataKey: "dlm.session"] = "\(session)"
        logger.debug("client connected")
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let buffer = unwrapInboundIn(data)
        decoder.feed(buffer.readableBytesView)
        do {
            while !closing, let frame = try decoder.next() {
                logger.trace("request", metadata: ["dlm.type": "\(frame.message.messageType)"])
                server.received(frame, from: session)
            }
        } catch {
            protocolViolation(error, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        server.flushPending()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        server.disconnected(session)
        logger.debug("client disconnected")
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !closing {
            let writable = context.channel.isWritable
            logger.trace(writable ? "client output drained, reading resumed" : "client output backlog, reading paused")
            try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: writable)
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ClientOutputLimitExceeded else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard !closing else { return }
        logger.warning(
            "client output limit exceeded, disconnecting",
            metadata: ["dlm.limit.bytes": "\(server.service.configuration.clientOutputBytesMax)"])
        closing = true
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("client connection error", metadata: ["dlm.error": "\(error)"])
        closing = true
        context.close(promise: nil)
    }

    private func protocolViolation(_ error: ProtocolError, context: ChannelHandlerContext) {
        logger.warning("client protocol error, closing connection", metadata: ["dlm.error": "\(error)"])
        closing = true
        if case .unsupportedVersion(_, _, let requestID) = error {
            server.sendImmediately(ReplyFrame(requestID: requestID, message: .result(.failure(.EPROTO))), to: session)
        } else {
            server.flushPending()
        }
        context.channel.writeAndFlush(context.channel.allocator.buffer(capacity: 0)).whenComplete { _ in
            context.channel.close(promise: nil)
        }
    }
}

/// Sent down a client's pipeline when its unsent output passes `clientOutputBytesMax`.
struct ClientOutputLimitExceeded {}

/// Linux `struct ucred` (glibc hides it behind `_GNU_SOURCE`, so Swift does not import it).
private struct KernelPeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// Linux `SO_PEERCRED` (asm-generic/socket.h).
private let socketOptionPeerCredentials: Int32 = 17

extension PeerCredentials {
    /// Reads `SO_PEERCRED` from a connected Unix-socket channel (on its loop; completes synchronously).
    static func of(_ channel: Channel) -> PeerCredentials? {
        guard let provider = channel as? SocketOptionProvider else { return nil }
        let future: EventLoopFuture<KernelPeerCredentials> = provider.unsafeGetSocketOption(
            level: .socket, name: NIOBSDSocket.Option(rawValue: socketOptionPeerCredentials))
        var result: PeerCredentials?
        future.whenSuccess { cred in
            result = PeerCredentials(pid: UInt32(bitPattern: cred.pid), uid: cred.uid, gid: cred.gid)
        }
        return result
    }
}
