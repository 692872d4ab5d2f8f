import type { Conversation, DurableEvent, Message, UnreadCounts } from '@atende/shared';
import { describe, expect, it, vi } from 'vitest';
import { InboxStore } from './inbox.svelte';
import { upsertMessage } from './inbox-logic';
import { conv as baseConv, msg as baseMsg, uuid } from './inbox.fixtures';

// Issue 11 (2, 3, 8): the list paged by time and lost same-second rows at the page break; the
// unread badge counted the loaded page only; a search looked in one tab; threads sorted by arrival.

const SAME_SECOND = '2026-12-01T10:00:00.000Z';
const conv = (p: Partial<Conversation> = {}) =>
  baseConv({ unreadCount: 1, lastMessageAt: SAME_SECOND, aiEnabled: false, ...p });
const msg = (p: Partial<Message> & { conversationId: string }) => baseMsg({ createdAt: SAME_SECOND, ...p });

/** The Motor's list semantics: (lastMessageAt, id) descending; `before` is a plain time, `cursor` exact. */
function server(all: Conversation[], unread?: UnreadCounts) {
  const sorted = [...all].sort((a, b) =>
    a.lastMessageAt === b.lastMessageAt
      ? a.id < b.id
        ? 1
        : -1
      : a.lastMessageAt! < b.lastMessageAt!
        ? 1
        : -1,
  );
  const key = (c: Conversation) => `${c.lastMessageAt}|${c.id}`;
  return {
    conversations: {
      list: vi.fn(
        async (q: { status?: string; q?: string; before?: string; cursor?: string; limit?: number }) => {
          let rows = sorted.filter((c) => !q.status || c.status === q.status);
          if (q.cursor) rows = rows.filter((c) => key(c) < q.cursor!);
          else if (q.before) rows = rows.filter((c) => c.lastMessageAt! < q.before!);
          const page = rows.slice(0, q.limit ?? 50);
          return Object.assign(page, {
            nextCursor: page.length === (q.limit ?? 50) ? key(page.at(-1)!) : null,
          });
        },
      ),
      get: vi.fn(async (id: string) => all.find((c) => c.id === id)!),
      messages: vi.fn(async () => Object.assign([] as Message[], { nextCursor: null })),
      send: vi.fn(),
      read: vi.fn(async () => undefined),
      patch: vi.fn(),
      unread: vi.fn(async () => unread ?? { total: 0, open: 0, pending: 0, resolved: 0 }),
    },
  };
}

const makeStore = (api: ReturnType<typeof server>) =>
  new InboxStore({ api: api as never, me: () => ({ id: 'u1', name: 'Ana' }), isViewing: () => true });

let seq = 0;
const event = (type: DurableEvent['type'], data: unknown) =>
  ({ seq: ++seq, type, at: new Date().toISOString(), data }) as DurableEvent;

describe('inbox pages, unread and search (issue 11)', () => {
  it('scrolls 65 conversations, 35 in the same second across the page break, to the end: all 65, once each', async () => {
    const all = Array.from({ length: 65 }, (_, i) =>
      conv({
        lastMessageAt: i < 30 ? `2026-12-01T10:${String(59 - i).padStart(2, '0')}:00.000Z` : SAME_SECOND,
      }),
    );
    const api = server(all);
    const sut = makeStore(api);
    await sut.loadList();
    while (sut.list.hasMore) await sut.loadMore();
    expect(sut.list.items).toHaveLength(65);
    expect(new Set(sut.list.items.map((c) => c.id)).size).toBe(65);
    const ids = sut.list.items.map((c) => c.id);
    expect(ids.slice(30)).toEqual([...ids.slice(30)].sort().reverse()); // same second: by id, as the server
  });

  it('shows the server count of unread conversations (61), not the loaded page (50)', async () => {
    const all = Array.from({ length: 61 }, () => conv());
    const sut = makeStore(server(all, { total: 61, open: 61, pending: 0, resolved: 0 }));
    await sut.loadList();
    await vi.waitFor(() => expect(sut.unreadCount).toBe(61));
    expect(sut.list.items).toHaveLength(50);
  });

  it('keeps the count live: a new customer message in an unloaded conversation adds one, reading removes one', async () => {
    const all = Array.from({ length: 61 }, () => conv());
    const sut = makeStore(server(all, { total: 61, open: 61, pending: 0, resolved: 0 }));
    await sut.loadList();
    await vi.waitFor(() => expect(sut.unreadCount).toBe(61));
    const fresh = conv({ unreadCount: 1, lastMessageAt: '2026-12-01T11:00:00.000Z' });
    const m = msg({ conversationId: fresh.id, createdAt: fresh.lastMessageAt! });
    sut.apply(event('message.created', { message: m, conversation: fresh }));
    expect(sut.unreadCount).toBe(62);
    const [first, second] = sut.list.items;
    sut.markRead(first!.id);
    expect(sut.unreadCount).toBe(61);
    sut.apply(event('conversation.updated', { conversation: { ...second!, status: 'pending' } }));
    expect(sut.unread).toMatchObject({ total: 61, open: 60, pending: 1 });
  });

  it('searches in every status tab', async () => {
    const resolved = conv({
      status: 'resolved',
      contact: { id: uuid(), name: 'João', phone: '5511', avatarUrl: null },
    });
    const api = server([resolved]);
    const sut = makeStore(api);
    await sut.setFilter({ q: 'joao' });
    expect(api.conversations.list).toHaveBeenLastCalledWith(expect.not.objectContaining({ status: 'open' }));
    expect(sut.list.items.map((c) => c.id)).toEqual([resolved.id]);
  });

  it('orders a thread by WhatsApp time: a message redelivered late takes its place', () => {
    const c = uuid();
    const early = msg({
      conversationId: c,
      text: 'primeira',
      sentAt: '2026-12-01T10:00:00.000Z',
      createdAt: '2026-12-01T10:20:00.000Z',
    });
    const late = msg({
      conversationId: c,
      text: 'segunda',
      sentAt: '2026-12-01T10:05:00.000Z',
      createdAt: '2026-12-01T10:05:01.000Z',
    });
    const thread = upsertMessage(upsertMessage([], late, 'event'), early, 'event');
    expect(thread.map((m) => m.text)).toEqual(['primeira', 'segunda']);
  });
});

describe('a LID/phone merge (issue 11, 10)', () => {
  it('drops the ghost from the list and the threads, shows the kept conversation, and says where the open one went', async () => {
    const ghost = conv({ lastMessageAt: '2026-12-01T10:00:00.000Z' });
    const kept = conv({ lastMessageAt: '2026-12-01T09:00:00.000Z' });
    const sut = makeStore(server([ghost, kept], { total: 2, open: 2, pending: 0, resolved: 0 }));
    await sut.loadList();
    await sut.open(ghost.id);
    const merged = { ...kept, unreadCount: 3, lastMessageAt: '2026-12-01T10:01:00.000Z' };
    sut.apply(
      event('conversation.merged' as DurableEvent['type'], {
        fromId: ghost.id,
        intoId: kept.id,
        conversation: merged,
      }),
    );
    expect(sut.list.items.map((c) => c.id)).toEqual([kept.id]);
    expect(sut.threads[ghost.id]).toBeUndefined();
    expect(sut.mergedInto(ghost.id)).toBe(kept.id);
    expect(sut.unreadCount).toBe(1);
  });
});
