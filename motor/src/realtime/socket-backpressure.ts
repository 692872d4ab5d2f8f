import type { Logger } from '../logger.js';
import type { RealtimeSocket } from './socket.types.js';

/** Packets a socket may have waiting behind a write that does not complete before it is cut. */
export const DEFAULT_MAX_QUEUED_PACKETS = 1000;

/**
 * Cuts a socket whose client stopped reading. Engine.IO keeps every packet for a socket whose
 * transport is not writable (a WebSocket whose previous write never reached the kernel, or a
 * long-polling client that stopped polling) in `writeBuffer`, without limit; a client that never
 * reads would otherwise grow the Motor's memory with every event of its account until the ping
 * timeout (~45 s) notices it. Past `maxQueuedPackets` the connection is destroyed at once
 * (terminate, not a polite close that would wait behind the stuck buffer). Nothing is lost: the
 * client reconnects and fetches what it missed from `GET /api/events`.
 *
 * Broadcasts never wait for a socket (Socket.IO queues and returns), so a stuck client costs the
 * others nothing but this bounded memory.
 *
 * @example
 *   io.on('connection', (socket) => guardBackpressure(socket, { logger }));
 */
export function guardBackpressure(
  socket: RealtimeSocket,
  opts: { logger: Logger; maxQueuedPackets?: number },
): void {
  const max = opts.maxQueuedPackets ?? DEFAULT_MAX_QUEUED_PACKETS;
  const conn = socket.conn as unknown as EngineConn;
  const onPacket = () => {
    if ((conn.writeBuffer?.length ?? 0) < max) return;
    conn.off('packetCreate', onPacket);
    opts.logger.warn(
      { socketId: socket.id, userId: socket.data.auth?.userId, queued: conn.writeBuffer?.length },
      'client is not reading; disconnecting it (it will catch up on reconnect)',
    );
    // ws.terminate() destroys the TCP socket now (its own buffers go too); close(true) then
    // discards Engine.IO's queue and closes the Socket.IO socket.
    conn.transport?.socket?.terminate?.();
    conn.close(true);
  };
  conn.on('packetCreate', onPacket);
}

/** The parts of engine.io's Socket this guard reads (writeBuffer is not in its public typings). */
interface EngineConn {
  writeBuffer?: unknown[];
  transport?: { name: string; socket?: { terminate?: () => void } };
  on(event: 'packetCreate', fn: () => void): void;
  off(event: 'packetCreate', fn: () => void): void;
  close(discard?: boolean): void;
}
