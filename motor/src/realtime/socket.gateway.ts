import type { Logger } from '../logger.js';
import type { RealtimePublisher } from '../ports/realtime.port.js';
import type { EventsService } from '../services/events.service.js';
import { recheckSession, socketAuth, type SocketAuthenticator } from './socket-auth.middleware.js';
import { guardBackpressure } from './socket-backpressure.js';
import { registerSocketHandlers, type SocketConversations } from './socket.handlers.js';
import {
  accountRoom,
  sessionRoom,
  userRoom,
  type RealtimeServer,
  type RealtimeSocket,
} from './socket.types.js';

export interface RealtimeGatewayDeps {
  io: RealtimeServer;
  auth: SocketAuthenticator;
  publicUrl: string;
  /** DASHBOARD_ORIGINS (cross-origin mode): also allowed by the handshake's Origin check. */
  dashboardOrigins?: readonly string[];
  events: Pick<EventsService, 'head'>;
  conversations: SocketConversations;
  realtime: RealtimePublisher;
  logger: Logger;
  /** See socket-backpressure.ts. */
  maxQueuedPackets?: number;
  typingIntervalMs?: number;
  /** How often a connected socket's session is re-checked (default 5 min). */
  recheckSessionMs?: number;
}

/**
 * Wires the Socket.IO server: handshake auth, the server-chosen rooms (account, user, and the
 * login session when it has one), `ready` with the
 * account's head `seq`, the backpressure guard, and the client commands.
 *
 * Order matters on connect: the socket joins its account's room *before* the head is read, so
 * every event committed after that read is broadcast to it (events arriving before `ready` are
 * newer than nothing the client may drop; clients buffer them until `ready`).
 *
 * @example
 *   const io = createSocketServer();
 *   attachRealtimeGateway({ io, auth, publicUrl, events, conversations, realtime, logger });
 *   io.attach(httpServer); // createMotor (composition-root.ts) does exactly this
 */
export function attachRealtimeGateway(deps: RealtimeGatewayDeps): void {
  const { io, logger } = deps;
  io.use(
    socketAuth({
      auth: deps.auth,
      publicUrl: deps.publicUrl,
      dashboardOrigins: deps.dashboardOrigins,
      logger,
    }),
  );
  io.on('connection', (socket) => void onConnection(socket, deps));
}

async function onConnection(socket: RealtimeSocket, deps: RealtimeGatewayDeps): Promise<void> {
  const { auth } = socket.data;
  guardBackpressure(socket, { logger: deps.logger, maxQueuedPackets: deps.maxQueuedPackets });
  recheckSession(socket, {
    auth: deps.auth,
    logger: deps.logger,
    everyMs: deps.recheckSessionMs ?? 5 * 60_000,
  });
  registerSocketHandlers(socket, deps);
  const rooms = [accountRoom(auth.accountId), userRoom(auth.userId)];
  if (auth.sessionId) rooms.push(sessionRoom(auth.sessionId));
  await socket.join(rooms);
  let seq: number;
  try {
    seq = await deps.events.head({ accountId: auth.accountId });
  } catch (err) {
    // Without a head the client cannot place itself in the log; it retries on this disconnect.
    deps.logger.warn({ err, userId: auth.userId }, 'could not read the event head; closing the socket');
    socket.disconnect(true);
    return;
  }
  if (socket.connected) socket.emit('ready', { accountId: auth.accountId, userId: auth.userId, seq });
}
