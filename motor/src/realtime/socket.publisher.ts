import type { Logger } from '../logger.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import { accountRoom, sessionRoom, userRoom, type RealtimeServer } from './socket.types.js';

/** Immediate session revocation for services that end a user's access (logout, removal). */
export interface SocketControl {
  /** Disconnects every socket of the user on every Motor process (they must log in again). */
  disconnectUser(userId: string): void;
  /** Disconnects every socket (tab) of one login session on every Motor process (logout). */
  disconnectSession(sessionId: string): void;
}

/**
 * The RealtimePublisher over Socket.IO: each durable event goes to its account's room under its
 * type, as `{seq, type, at, data}` (the room is not part of the payload). Fire-and-forget: it
 * never throws into the service that committed, and never waits for a client (slow ones are
 * cut by the backpressure guard, see socket-backpressure.ts). With the Redis adapter the same
 * call reaches the account's sockets on every Motor process.
 *
 * @example
 *   const realtime = createSocketPublisher({ io, logger });
 *   const { events } = await db.call<{ events: AccountEvent[] }>('mark_read', args);
 *   realtime.publish(events);
 */
export function createSocketPublisher(deps: {
  io: RealtimeServer;
  logger: Logger;
}): RealtimePublisher & SocketControl {
  const { io, logger } = deps;
  const safely = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      // A broadcast failure must not fail a committed change; clients catch up from the log.
      logger.error({ err, what }, 'realtime publish failed');
    }
  };

  return {
    publish(events: readonly AccountEvent[]) {
      if (!events?.length) return;
      // Per account, seqs leave in ascending order even if a caller concatenated several results
      // (sorting all by seq keeps each account's order; accounts are independent of each other).
      const ordered = events.length === 1 ? events : [...events].sort((a, b) => a.seq - b.seq);
      for (const e of ordered) {
        safely(e.type, () => {
          const envelope = { seq: Number(e.seq), type: e.type, at: e.at, data: e.data };
          io.to(accountRoom(e.accountId)).emit(e.type, envelope as never);
        });
      }
    },
    publishQr(accountId, payload) {
      safely('instance.qr', () => io.to(accountRoom(accountId)).emit('instance.qr', payload));
    },
    disconnectUser(userId) {
      // Through the adapter: the user's sockets on every Motor process.
      safely('disconnectUser', () => deps.io.in(userRoom(userId)).disconnectSockets(true));
    },
    disconnectSession(sessionId) {
      safely('disconnectSession', () => deps.io.in(sessionRoom(sessionId)).disconnectSockets(true));
    },
    publishTyping(accountId, payload, exceptUserId) {
      safely('conversation.typing', () => {
        const to = io.to(accountRoom(accountId));
        (exceptUserId ? to.except(userRoom(exceptUserId)) : to).emit('conversation.typing', payload);
      });
    },
  };
}
