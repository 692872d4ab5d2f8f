import { ERROR_CODES, conversationCommandSchema, type Ack, type ErrorCode } from '@atende/shared';
import { isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RealtimePublisher } from '../ports/realtime.port.js';
import type { RealtimeSocket, SocketAuth } from './socket.types.js';

/** What the client commands need from the conversations service. */
export interface SocketConversations {
  /** Unread to 0 (publishes its own events); `not_found` for another account's conversation. */
  markRead(auth: SocketAuth, conversationId: string): Promise<unknown>;
  /** `not_found` unless the conversation belongs to the caller's account. */
  get(auth: SocketAuth, conversationId: string): Promise<unknown>;
}

export interface SocketHandlerDeps {
  conversations: SocketConversations;
  realtime: RealtimePublisher;
  logger: Logger;
  /** A socket relays `conversation.typing` for one conversation at most this often. */
  typingIntervalMs?: number;
}

type AckFn = (a: Ack<null>) => void;

/**
 * Registers the client → server commands of the contract on one socket. Each validates its
 * payload with zod and answers with the Ack union; only known error codes reach the client.
 *
 * @example
 *   io.on('connection', (socket) => registerSocketHandlers(socket, deps));
 */
export function registerSocketHandlers(socket: RealtimeSocket, deps: SocketHandlerDeps): void {
  const lastTyping = new Map<string, number>();
  const typingEvery = deps.typingIntervalMs ?? 1000;

  command(socket, deps.logger, 'conversation:read', async ({ conversationId }, auth) => {
    await deps.conversations.markRead(auth, conversationId);
  });

  command(socket, deps.logger, 'conversation:typing', async ({ conversationId }, auth) => {
    const now = Date.now();
    if (now - (lastTyping.get(conversationId) ?? 0) < typingEvery) return; // already told, recently
    await deps.conversations.get(auth, conversationId);
    lastTyping.set(conversationId, now);
    if (lastTyping.size > 100) lastTyping.delete(lastTyping.keys().next().value!);
    deps.realtime.publishTyping(
      auth.accountId,
      { conversationId, userId: auth.userId, name: auth.name, from: 'agent', state: 'typing' },
      auth.userId,
    );
  });
}

function command(
  socket: RealtimeSocket,
  logger: Logger,
  name: 'conversation:read' | 'conversation:typing',
  run: (input: { conversationId: string }, auth: SocketAuth) => Promise<void>,
) {
  socket.on(name, async (payload: unknown, maybeAck?: unknown) => {
    const ack: AckFn = typeof maybeAck === 'function' ? (maybeAck as AckFn) : () => {};
    const parsed = conversationCommandSchema.safeParse(payload);
    if (!parsed.success) {
      const message = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`)
        .join('; ');
      return ack({ ok: false, error: { code: 'validation_failed', message } });
    }
    try {
      await run(parsed.data, socket.data.auth);
      ack({ ok: true, data: null });
    } catch (err) {
      ack({ ok: false, error: toSocketError(err, logger, name) });
    }
  });
}

/** Only known error codes reach a client: an AppError's code and message, or `internal` with nothing from inside. */
function toSocketError(err: unknown, logger: Logger, command: string): { code: ErrorCode; message: string } {
  if (isAppError(err) && (ERROR_CODES as readonly string[]).includes(err.code) && err.code !== 'internal') {
    return { code: err.code, message: err.message };
  }
  logger.error({ err, command }, 'socket command failed');
  return { code: 'internal', message: 'something went wrong; try again' };
}
