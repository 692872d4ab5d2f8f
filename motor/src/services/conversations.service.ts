import type {
  AiHealth,
  EvolutionHealth,
  Conversation,
  ListConversationsQuery,
  ListMessagesQuery,
  Message,
  PatchConversationBody,
  Overview,
  UnreadCounts,
} from '@atende/shared';
import { isStorableTimestamp } from '@atende/shared';
import { AppError } from '../errors.js';
import type { Db } from '../ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';

/** Who is asking: only the account id scopes data (set by requireAuth / the socket handshake). */
export interface Caller {
  accountId: string;
  userId: string;
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
      evolutionHealth?: { current(): Promise<EvolutionHealth> };
      /** Runs after an agent read a conversation (read receipts to the customer, when enabled). */
      afterRead?: (accountId: string, conversationId: string) => void;
    },
  ) {}

  /**
   * Newest activity first; `nextCursor` continues after the last item (null at the end). Filters:
   * `assignee` (`me`, `none` or a user id), `label`, `instanceId`, combinable with status and search.
   */
  async list(
    caller: Caller,
    q: ListConversationsQuery & { cursor?: string },
  ): Promise<{ items: Conversation[]; nextCursor: string | null }> {
    const cursor = q.cursor ? decodeCursor(q.cursor, 2) : null;
    const page = await this.deps.db.call<{
      items: Conversation[];
      nextCursor: { at: string; id: string } | null;
    }>('conversations_page', {
      accountId: caller.accountId,
      status: q.status ?? null,
      q: q.q?.replaceAll('\u0000', '') || null,
      before: cursor?.[0] ?? q.before ?? null,
      beforeId: cursor?.[1] ?? null,
      limit: q.limit,
      assignee: q.assignee === 'me' ? caller.userId : q.assignee === 'none' ? null : (q.assignee ?? null),
      unassigned: q.assignee === 'none',
      label: q.label ?? null,
      instanceId: q.instanceId ?? null,
    });
    const next = page.nextCursor;
    return { items: page.items, nextCursor: next ? encodeCursor(next.at, next.id) : null };
  }

  /** Unread conversations in all and per status tab (the badge and the tab-title count). */
  unread(caller: Caller): Promise<UnreadCounts> {
    return this.deps.db.call<UnreadCounts>('unread_counts', { accountId: caller.accountId });
  }

  /** Every label in use on the account's conversations, sorted (for the inbox's label filter). */
  labels(caller: Caller): Promise<string[]> {
    return this.deps.db.call<string[]>('conversation_labels', { accountId: caller.accountId });
  }

  get(caller: Caller, conversationId: string): Promise<Conversation> {
    return this.deps.db.call<Conversation>('conversation_get', {
      accountId: caller.accountId,
      conversationId,
    });
  }

  /**
   * The newest `limit` messages before the cursor (or, legacy, created before `before`), ascending
   * in WhatsApp's order (sentAt, then arrival). `nextCursor` continues with older messages.
   */
  async messages(
    caller: Caller,
    conversationId: string,
    q: ListMessagesQuery,
  ): Promise<{ items: Message[]; nextCursor: string | null }> {
    const cursor = q.cursor ? decodeCursor(q.cursor, 3) : null;
    const page = await this.deps.db.call<{
      items: Message[];
      nextCursor: { at: string; createdAt: string; id: string } | null;
    }>('messages_page', {
      accountId: caller.accountId,
      conversationId,
      before: cursor?.[0] ?? q.before ?? null,
      beforeCreated: cursor?.[1] ?? null,
      beforeId: cursor?.[2] ?? null,
      limit: q.limit,
    });
    const next = page.nextCursor;
    return { items: page.items, nextCursor: next ? encodeCursor(next.at, next.createdAt, next.id) : null };
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
    this.deps.afterRead?.(caller.accountId, conversationId);
  }

  /** Status / assignee (a user of the same account, else 404) / AI toggle / labels. */
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
    const [counts, ai, evolution] = await Promise.all([
      this.deps.db.call<Omit<Overview, 'aiAvailable' | 'ai' | 'evolution'>>('overview', {
        accountId: caller.accountId,
      }),
      this.deps.ai?.health(caller.accountId),
      this.deps.evolutionHealth?.current(),
    ]);
    return {
      ...counts,
      aiAvailable: this.deps.ai?.available ?? false,
      ...(ai ? { ai } : {}),
      ...(evolution ? { evolution } : {}),
    };
  }
}

/**
 * Opaque keyset cursor: timestamps (full precision) then the row id, e.g. a conversation's
 * (lastMessageAt, id) or a message's (sentAt, createdAt, id).
 */
export function encodeCursor(...parts: string[]): string {
  return Buffer.from(parts.join('|'), 'utf8').toString('base64url');
}

/**
 * The `size` parts of a cursor: `size - 1` timestamps then a UUID; 400 for anything else,
 * including dates PostgreSQL cannot hold (year 0000, 99999), which once reached SQL as a 500.
 */
export function decodeCursor(cursor: string, size: number): string[] {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const times = parts.slice(0, -1);
  if (
    parts.length !== size ||
    !uuid.test(parts.at(-1)!) ||
    times.some((t) => !t || !isStorableTimestamp(t))
  ) {
    throw new AppError('validation_failed', 'invalid cursor', [
      { path: 'query.cursor', message: 'not a cursor from this API' },
    ]);
  }
  return parts;
}
