import type { Conversation, DurableEvent, Message } from '@atende/shared';
import { describe, expect, it, vi } from 'vitest';
import { InboxStore, PAGE_SIZE } from './inbox.svelte';
import { groupByDay, mergeStatus, upsertConversation, upsertMessage } from './inbox-logic';
import { conv, msg, uuid } from './inbox.fixtures';

let seq = 0;
function event<T extends DurableEvent['type']>(
  type: T,
  data: Extract<DurableEvent, { type: T }>['data'],
): DurableEvent {
  return { seq: ++seq, type, at: new Date().toISOString(), data } as DurableEvent;
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function fakeApi(init: { list?: Conversation[]; messages?: Record<string, Message[]> } = {}) {
  return {
    conversations: {
      list: vi.fn(async () => init.list ?? []),
      get: vi.fn(async (id: string) => (init.list ?? []).find((c) => c.id === id) ?? conv({ id })),
      messages: vi.fn(async (id: string) => init.messages?.[id] ?? []),
      send: vi.fn(async (_id: string, _b: { text: string; clientId: string }) => ({
        success: true as const,
        message: null as unknown as Message,
      })),
      read: vi.fn(async () => undefined),
      patch: vi.fn(async (id: string) => conv({ id })),
    },
  };
}

const me = { id: 'agent-1', name: 'Ana' };

function makeStore(
  api: ReturnType<typeof fakeApi>,
  extra: Partial<ConstructorParameters<typeof InboxStore>[0]> = {},
) {
  return new InboxStore({ api: api as never, me: () => me, isViewing: () => true, ...extra });
}

describe(InboxStore.name, () => {
  it('message.created updates the list (moves it to the top) and the open thread', async () => {
    const a = conv({ lastMessageAt: '2026-01-01T10:00:00.000Z' });
    const b = conv({ lastMessageAt: '2026-01-01T09:00:00.000Z' });
    const m1 = msg({ conversationId: b.id, createdAt: '2026-01-01T09:00:00.000Z' });
    const api = fakeApi({ list: [a, b], messages: { [b.id]: [m1] } });
    const sut = makeStore(api);
    await sut.loadList();
    await sut.open(b.id);

    const m2 = msg({ conversationId: b.id, text: 'tem pizza?', createdAt: '2026-01-01T11:00:00.000Z' });
    const b2 = { ...b, lastMessageAt: m2.createdAt, lastMessagePreview: 'tem pizza?', unreadCount: 1 };
    sut.apply(event('message.created', { message: m2, conversation: b2 }));

    expect(sut.list.items.map((c) => c.id)).toEqual([b.id, a.id]);
    expect(sut.list.items[0]!.lastMessagePreview).toBe('tem pizza?');
    expect(sut.thread(b.id).messages.map((m) => m.text)).toEqual(['olá', 'tem pizza?']);
    // The open conversation is being viewed: it stays read.
    expect(sut.list.items[0]!.unreadCount).toBe(0);
  });

  it('counts unread conversations for the tab title and plays the incoming hook once', async () => {
    const a = conv();
    const onIncoming = vi.fn();
    const sut = makeStore(fakeApi({ list: [a] }), { onIncoming });
    await sut.loadList();
    const m = msg({ conversationId: a.id, createdAt: '2026-01-01T12:00:00.000Z' });
    sut.apply(
      event('message.created', {
        message: m,
        conversation: { ...a, unreadCount: 2, lastMessageAt: m.createdAt },
      }),
    );
    expect(sut.unreadCount).toBe(1);
    expect(onIncoming).toHaveBeenCalledOnce();
    sut.markRead(a.id);
    expect(sut.unreadCount).toBe(0);
  });

  it('conversation.updated reorders, and drops a conversation that left the status tab', async () => {
    const a = conv({ lastMessageAt: '2026-01-01T10:00:00.000Z' });
    const b = conv({ lastMessageAt: '2026-01-01T09:00:00.000Z' });
    const c = conv({ lastMessageAt: '2026-01-01T08:00:00.000Z' });
    const sut = makeStore(fakeApi({ list: [a, b, c] }));
    await sut.loadList();
    sut.apply(
      event('conversation.updated', { conversation: { ...c, lastMessageAt: '2026-01-01T09:30:00.000Z' } }),
    );
    expect(sut.list.items.map((x) => x.id)).toEqual([a.id, c.id, b.id]);
    sut.apply(event('conversation.updated', { conversation: { ...a, status: 'resolved' } }));
    expect(sut.list.items.map((x) => x.id)).toEqual([c.id, b.id]);
  });

  it('a new conversation enters the list only when it matches the tab', async () => {
    const sut = makeStore(fakeApi({ list: [] }));
    await sut.loadList();
    sut.apply(event('conversation.updated', { conversation: conv({ status: 'pending' }) }));
    expect(sut.list.items).toEqual([]);
    const fresh = conv({ status: 'open' });
    sut.apply(event('conversation.updated', { conversation: fresh }));
    expect(sut.list.items.map((x) => x.id)).toEqual([fresh.id]);
  });

  it('an optimistic send is replaced by the server message with the same clientId (no duplicate)', async () => {
    const a = conv();
    const api = fakeApi({ list: [a], messages: { [a.id]: [] } });
    const answer = deferred<{ success: true; message: Message }>();
    api.conversations.send.mockImplementation(() => answer.promise);
    const sut = makeStore(api, { newId: () => 'client-1' });
    await sut.loadList();
    await sut.open(a.id);

    const sending = sut.send(a.id, '  Temos sim!  ');
    const shown = sut.thread(a.id).messages;
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({
      text: 'Temos sim!',
      status: 'pending',
      clientId: 'client-1',
      authorName: 'Ana',
    });
    expect(api.conversations.send).toHaveBeenCalledWith(a.id, { text: 'Temos sim!', clientId: 'client-1' });

    // The socket is faster than the HTTP answer.
    const server = msg({
      conversationId: a.id,
      clientId: 'client-1',
      direction: 'out',
      sender: 'agent',
      authorId: me.id,
      text: 'Temos sim!',
      status: 'sent',
      createdAt: '2026-01-01T10:00:01.000Z',
    });
    sut.apply(event('message.created', { message: server, conversation: a }));
    sut.apply(event('message.updated', { message: { ...server, status: 'delivered' } }));
    answer.resolve({ success: true, message: { ...server, status: 'pending' } });
    await sending;

    const after = sut.thread(a.id).messages;
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: server.id, status: 'delivered' });
  });

  it('the HTTP answer without clientId in the socket event still collapses to one message', async () => {
    const a = conv();
    const api = fakeApi({ list: [a], messages: { [a.id]: [] } });
    const answer = deferred<{ success: true; message: Message }>();
    api.conversations.send.mockImplementation(() => answer.promise);
    const sut = makeStore(api, { newId: () => 'client-2' });
    await sut.loadList();
    await sut.open(a.id);
    const sending = sut.send(a.id, 'ok');
    const server = msg({
      conversationId: a.id,
      direction: 'out',
      sender: 'agent',
      text: 'ok',
      status: 'sent',
    });
    sut.apply(event('message.created', { message: { ...server, clientId: null }, conversation: a }));
    expect(sut.thread(a.id).messages).toHaveLength(2); // not matchable yet
    answer.resolve({ success: true, message: { ...server, clientId: 'client-2' } });
    await sending;
    expect(sut.thread(a.id).messages).toHaveLength(1);
  });

  it("the POST's pending answer arriving after the socket's \"sent\" keeps the WhatsApp id and the ticks", async () => {
    const a = conv();
    const api = fakeApi({ list: [a], messages: { [a.id]: [] } });
    const answer = deferred<{ success: true; message: Message }>();
    api.conversations.send.mockImplementation(() => answer.promise);
    const sut = makeStore(api, { newId: () => 'client-4' });
    await sut.loadList();
    await sut.open(a.id);
    const sending = sut.send(a.id, 'Qual sabor?');
    const pending = msg({ conversationId: a.id, direction: 'out', sender: 'agent', text: 'Qual sabor?', status: 'pending', waMessageId: null, clientId: 'client-4' });
    sut.apply(event('message.created', { message: pending, conversation: a }));
    sut.apply(event('message.updated', { message: { ...pending, status: 'sent', waMessageId: 'WA-1' } }));
    answer.resolve({ success: true, message: pending });
    await sending;
    const [shown] = sut.thread(a.id).messages;
    expect(sut.thread(a.id).messages).toHaveLength(1);
    expect(shown).toMatchObject({ status: 'sent', waMessageId: 'WA-1' });
  });

  it('a failed send is marked failed and retried with the same clientId', async () => {
    const a = conv();
    const api = fakeApi({ list: [a], messages: { [a.id]: [] } });
    api.conversations.send.mockRejectedValueOnce(Object.assign(new Error('x'), { code: 'upstream_failed' }));
    const sut = makeStore(api, { newId: () => 'client-3' });
    await sut.loadList();
    await sut.open(a.id);
    await sut.send(a.id, 'oi');
    const failed = sut.thread(a.id).messages[0]!;
    expect(failed).toMatchObject({ status: 'failed', error: 'upstream_failed' });

    const server = msg({
      conversationId: a.id,
      clientId: 'client-3',
      direction: 'out',
      sender: 'agent',
      text: 'oi',
      status: 'sent',
    });
    api.conversations.send.mockResolvedValueOnce({ success: true, message: server });
    await sut.retry(failed);
    expect(api.conversations.send).toHaveBeenLastCalledWith(a.id, { text: 'oi', clientId: 'client-3' });
    expect(sut.thread(a.id).messages).toHaveLength(1);
    expect(sut.thread(a.id).messages[0]!.status).toBe('sent');
  });

  it('events that arrive while the list is loading are re-applied over the (older) page', async () => {
    const a = conv({ lastMessageAt: '2026-01-01T10:00:00.000Z' });
    const b = conv({ lastMessageAt: '2026-01-01T09:00:00.000Z' });
    const api = fakeApi();
    const page = deferred<Conversation[]>();
    api.conversations.list.mockImplementation(() => page.promise);
    const sut = makeStore(api);
    const loading = sut.loadList();
    sut.apply(
      event('conversation.updated', { conversation: { ...b, lastMessageAt: '2026-01-01T11:00:00.000Z' } }),
    );
    page.resolve([a, b]);
    await loading;
    expect(sut.list.items.map((x) => x.id)).toEqual([b.id, a.id]);
  });

  it("pages with the server's x-next-cursor and stops when it has none", async () => {
    const first = Array.from({ length: PAGE_SIZE }, (_, i) =>
      conv({ lastMessageAt: new Date(Date.UTC(2026, 0, 2) - i * 60_000).toISOString() }),
    );
    const api = fakeApi();
    api.conversations.list
      .mockResolvedValueOnce(Object.assign(first, { nextCursor: 'c1' }))
      .mockResolvedValueOnce(
        Object.assign([conv({ lastMessageAt: '2025-12-01T00:00:00.000Z' })], { nextCursor: null }),
      );
    const sut = makeStore(api);
    await sut.loadList();
    expect(sut.list.hasMore).toBe(true);
    await sut.loadMore();
    expect(api.conversations.list).toHaveBeenLastCalledWith(
      expect.objectContaining({ cursor: 'c1', status: 'open' }),
    );
    expect(sut.list.items).toHaveLength(PAGE_SIZE + 1);
    expect(sut.list.hasMore).toBe(false);
  });

  it('reload (after a realtime reset) refetches the list and the open thread', async () => {
    const a = conv();
    const m1 = msg({ conversationId: a.id });
    const api = fakeApi({ list: [a], messages: { [a.id]: [m1] } });
    const sut = makeStore(api);
    await sut.loadList();
    await sut.open(a.id);
    const b = conv({ lastMessageAt: '2026-01-02T00:00:00.000Z' });
    const m2 = msg({ conversationId: a.id, createdAt: '2026-01-01T11:00:00.000Z' });
    api.conversations.list.mockResolvedValueOnce([b, a]);
    api.conversations.messages.mockResolvedValueOnce([m1, m2]);
    await sut.reload();
    expect(sut.list.items.map((c) => c.id)).toEqual([b.id, a.id]);
    expect(sut.thread(a.id).messages.map((m) => m.id)).toEqual([m1.id, m2.id]);
  });

  it('message.updated advances ticks but never moves them back', async () => {
    const a = conv();
    const out = msg({ conversationId: a.id, direction: 'out', sender: 'agent', status: 'sent' });
    const sut = makeStore(fakeApi({ list: [a], messages: { [a.id]: [out] } }));
    await sut.loadList();
    await sut.open(a.id);
    sut.apply(event('message.updated', { message: { ...out, status: 'read' } }));
    sut.apply(event('message.updated', { message: { ...out, status: 'delivered' } }));
    expect(sut.thread(a.id).messages[0]!.status).toBe('read');
  });
});

describe('inbox-logic', () => {
  it('does not insert a conversation older than the loaded page while more pages exist', () => {
    const a = conv({ lastMessageAt: '2026-01-01T10:00:00.000Z' });
    const old = conv({ lastMessageAt: '2025-01-01T10:00:00.000Z' });
    const filter = { status: 'open' as const, q: '' };
    expect(upsertConversation({ items: [a], hasMore: true }, old, filter).items).toHaveLength(1);
    expect(upsertConversation({ items: [a], hasMore: false }, old, filter).items).toHaveLength(2);
  });

  it('matches search by accent-folded name and by phone digits', () => {
    const c = conv({ contact: { id: uuid(), name: 'João', phone: '5511999990000', avatarUrl: null } });
    const none = { items: [], hasMore: false };
    expect(upsertConversation(none, c, { status: 'open', q: 'joao' }).items).toHaveLength(1);
    expect(upsertConversation(none, c, { status: 'open', q: '99999' }).items).toHaveLength(1);
    expect(upsertConversation(none, c, { status: 'open', q: 'pedro' }).items).toHaveLength(0);
  });

  it('statuses move forward; failed can be retried only by an event', () => {
    expect(mergeStatus('read', 'sent', 'event')).toBe('read');
    expect(mergeStatus('sent', 'failed', 'event')).toBe('failed');
    expect(mergeStatus('failed', 'pending', 'rest')).toBe('failed');
    expect(mergeStatus('failed', 'sent', 'event')).toBe('sent');
  });

  it('keeps messages in time order and groups them by day without reaction bubbles', () => {
    const cid = uuid();
    let list: Message[] = [];
    list = upsertMessage(list, msg({ conversationId: cid, createdAt: '2026-01-02T12:00:00.000Z' }), 'event');
    list = upsertMessage(list, msg({ conversationId: cid, createdAt: '2026-01-01T12:00:00.000Z' }), 'event');
    list = upsertMessage(
      list,
      msg({ conversationId: cid, type: 'reaction', createdAt: '2026-01-02T13:00:00.000Z' }),
      'event',
    );
    const groups = groupByDay(list);
    expect(groups.map((g) => g.messages.length)).toEqual([1, 1]);
    expect(groups[0]!.day < groups[1]!.day).toBe(true);
  });
});
