// dlmd — DLMTransport: the channel handler that feeds one connection's events to the transport.

import DLMWire
import NIOCore

/// Sits after the frame decoder; forwards decoded frames, read-burst ends, errors and closes to the
/// owning `PeerTransport` on the same event loop. Not `Sendable`.
final class PeerChannelHandler: ChannelInboundHandler {
    typealias InboundIn = WireFrame

    private let transport: PeerTransport
    private let role: Handshake.Role
    private var connection: PeerConnection?

    init(transport: PeerTransport, role: Handshake.Role) {
        self.transport = transport
        self.role = role
    }

    func channelActive(context: ChannelHandlerContext) {
        connection = transport.connectionOpened(channel: context.channel, role: role)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection else { return }
        transport.frameReceived(unwrapInboundIn(data), on: connection)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let connection { transport.readBurstEnded(on: connection) }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let connection {
            transport.connectionFailed(connection, error: error)
        } else {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection { transport.connectionClosed(connection) }
        connection = nil
        context.fireChannelInactive()
    }
}
