import type {
  AiHealth,
  Conversation,
  ListConversationsQuery,
  ListMessagesQuery,
  Message,
  PatchConversationBody,
} from '@atende/shared';
import { AppError } from '../errors.js';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';

/** Who is asking: only the account id scopes data (set by requireAuth / the socket handshake). */
export interface Caller {
  accountId: string;
  userId: string;
}

/** The dashboard's overview (GET /api/overview). */
export interface Overview {
  instances: Array<{
    id: string;
    name: string;
    status: string;
    phoneNumber: string | null;
    profileName: string | null;
    updatedAt: string;
  }>;
  openConversations: number;
  messagesToday: number;
  /** Whether AI replies can run (this Motor has a GROQ_API_KEY); the dashboard shows a notice when they cannot. */
  aiAvailable: boolean;
  /** The AI's health: last error, circuit breaker (paused until). */
  ai?: AiHealth;
}

/**
 * The inbox use cases: list/search, read a thread, mark read, assign/resolve/toggle AI. Every call
 * is one SQL function scoped to the caller's account; changes publish their events after commit.
 *
 * @example
 *   const sut = new ConversationsService({ db, realtime });
 *   const page = await sut.list(caller, { limit: 50 });
 */
export class ConversationsService {
  constructor(
    private readonly deps: {
      db: Db;
      realtime: RealtimePublisher;
      ai?: { readonly available: boolean; health(accountId: string): Promise<AiHealth> };
    },
  ) {}

  /** Newest activity first; `nextCursor` continues after the last item (null at the end). */
  async list(
    caller: Caller,
    q: ListConversationsQuery & { cursor?: string },
  ): Promise<{ items: Conversation[]; nextCursor: string | null }> {
    const cursor = q.cursor ? decodeCursor(q.cursor) : null;
    const items = await this.deps.db.call<Conversation[]>('conversations_list', {
      accountId: caller.accountId,
      status: q.status ?? null,
      q: q.q?.replaceAll('\u0000', '') || null,
      before: cursor?.at ?? q.before ?? null,
      beforeId: cursor?.id ?? null,
      limit: q.limit,
    });
    const last = items.at(-1);
    const nextCursor =
      items.length === q.limit && last?.lastMessageAt ? encodeCursor(last.lastMessageAt, last.id) : null;
    return { items, nextCursor };
  }

  get(caller: Caller, conversationId: string): Promise<Conversation> {
    return this.deps.db.call<Conversation>('conversation_get', {
      accountId: caller.accountId,
      conversationId,
    });
  }

  /** The newest `limit` messages before `before`, ascending. */
  messages(caller: Caller, conversationId: string, q: ListMessagesQuery): Promise<Message[]> {
    return this.deps.db.call<Message[]>('messages_list', {
      accountId: caller.accountId,
      conversationId,
      before: q.before ?? null,
      limit: q.limit,
    });
  }

  /**
   * Unread count to 0 (`conversation.updated` when it changed). Also the socket command
   * `conversation:read`.
   *
   * @example
   *   await conversations.markRead(ctx.state.auth, conversationId);
   */
  async markRead(caller: Pick<Caller, 'accountId'>, conversationId: string): Promise<void> {
    const r = await this.deps.db.call<{ events: AccountEvent[] }>('conversation_read', {
      accountId: caller.accountId,
      conversationId,
    });
    this.deps.realtime.publish(r.events);
  }

  /** Status / assignee (a user of the same account, else 404) / AI toggle. */
  async patch(caller: Caller, conversationId: string, patch: PatchConversationBody): Promise<Conversation> {
    const r = await this.deps.db.call<{ conversation: Conversation; events: AccountEvent[] }>(
      'conversation_patch',
      {
        accountId: caller.accountId,
        conversationId,
        patch,
      },
    );
    this.deps.realtime.publish(r.events);
    return r.conversation;
  }

  async overview(caller: Caller): Promise<Overview> {
    const [counts, ai] = await Promise.all([
      this.deps.db.call<Omit<Overview, 'aiAvailable' | 'ai'>>('overview', { accountId: caller.accountId }),
      this.deps.ai?.health(caller.accountId),
    ]);
    return { ...counts, aiAvailable: this.deps.ai?.available ?? false, ...(ai ? { ai } : {}) };
  }
}

/** Opaque keyset cursor: the last item's (lastMessageAt, id). */
export function encodeCursor(at: string, id: string): string {
  return Buffer.from(`${at}|${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (!at || !id || !uuid.test(id) || Number.isNaN(Date.parse(at))) {
    throw new AppError('validation_failed', 'invalid cursor', [
      { path: 'query.cursor', message: 'not a cursor from this API' },
    ]);
  }
  return { at, id };
}
