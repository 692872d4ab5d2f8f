import type { DurableEvent, EventsPage } from '@atende/shared';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient, type RealtimeSocket } from './realtime-client';

/** A fake socket.io client socket: the test plays the server with `serverEmit`. */
class FakeSocket implements RealtimeSocket {
  handlers = new Map<string, ((...a: any[]) => void)[]>();
  managerHandlers = new Map<string, ((...a: any[]) => void)[]>();
  sent: { event: string; args: unknown[] }[] = [];
  connectCalls = 0;
  active: boolean | undefined = undefined;
  disconnected = false;
  io = {
    on: (event: string, fn: (...a: any[]) => void) => {
      this.managerHandlers.set(event, [...(this.managerHandlers.get(event) ?? []), fn]);
    },
  };
  on(event: string, fn: (...a: any[]) => void) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
  }
  emit(event: string, ...args: unknown[]) {
    this.sent.push({ event, args });
  }
  connect() {
    this.connectCalls++;
  }
  disconnect() {
    this.disconnected = true;
  }
  serverEmit(event: string, ...args: unknown[]) {
    for (const fn of this.handlers.get(event) ?? []) fn(...args);
  }
}

/** A durable conversation.updated event with the given seq. */
function ev(seq: number): DurableEvent {
  return {
    seq,
    type: 'conversation.updated',
    at: new Date(1_700_000_000_000 + seq).toISOString(),
    data: { conversation: { id: `c${seq}` } as never },
  };
}

/** A fake fetch for /api/events backed by a server-side log, recording every call. */
function fakeEventsServer(log: DurableEvent[], opts: { trimmedBefore?: number; seq?: () => number } = {}) {
  const calls: { after: number; limit: number }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const url = new URL(String(input), 'http://x');
    const after = Number(url.searchParams.get('after'));
    const limit = Number(url.searchParams.get('limit'));
    calls.push({ after, limit });
    const seq = opts.seq?.() ?? log.length;
    let body: EventsPage;
    if (opts.trimmedBefore !== undefined && after < opts.trimmedBefore) body = { reset: true, seq };
    else body = { events: log.filter((e) => e.seq > after).slice(0, limit), seq };
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

const log = (n: number) => Array.from({ length: n }, (_, i) => ev(i + 1));
const flush = () => new Promise((r) => setTimeout(r, 0));
const settle = async () => {
  for (let i = 0; i < 10; i++) await flush();
};

describe(RealtimeClient.name, () => {
  let socket: FakeSocket;
  let applied: number[];
  let sut: RealtimeClient;
  let server: ReturnType<typeof fakeEventsServer>;

  function make(serverLog: DurableEvent[], opts: Parameters<typeof fakeEventsServer>[1] = {}) {
    server = fakeEventsServer(serverLog, opts);
    sut = new RealtimeClient({
      createSocket: () => socket,
      fetch: server.fetch,
      gapDelayMs: 0,
      retryDelayMs: 1,
      pageLimit: 3,
      onError: () => {},
    });
    sut.on('event', (e) => applied.push(e.seq));
    sut.connect();
  }

  beforeEach(() => {
    socket = new FakeSocket();
    applied = [];
  });

  it('starts from the first ready seq and applies later events in order', async () => {
    make(log(5));
    expect(socket.connectCalls).toBe(1);
    expect(sut.state).toBe('reconnecting');
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 2 });
    expect(sut.state).toBe('online');
    socket.serverEmit('conversation.updated', ev(3));
    socket.serverEmit('conversation.updated', ev(4));
    expect(applied).toEqual([3, 4]);
    expect(sut.lastSeq).toBe(4);
    expect(server.calls).toEqual([]);
  });

  it('routes each event to the listeners of its type', () => {
    make([]);
    const created = vi.fn();
    sut.on('message.created', created);
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 0 });
    const e = { ...ev(1), type: 'message.created' } as DurableEvent;
    socket.serverEmit('message.created', e);
    expect(created).toHaveBeenCalledWith(e);
  });

  it('never applies an event twice (duplicates and events at or below lastSeq are dropped)', async () => {
    make(log(5));
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 2 });
    socket.serverEmit('conversation.updated', ev(2)); // already in the REST snapshot
    socket.serverEmit('conversation.updated', ev(3));
    socket.serverEmit('conversation.updated', ev(3));
    socket.serverEmit('conversation.updated', ev(1));
    expect(applied).toEqual([3]);
  });

  it('fills a gap by fetching exactly the missing events, then applies the buffered one', async () => {
    make(log(6));
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 2 });
    socket.serverEmit('conversation.updated', ev(5)); // 3 and 4 missing
    expect(applied).toEqual([]);
    await settle();
    expect(server.calls).toEqual([{ after: 2, limit: 2 }]);
    expect(applied).toEqual([3, 4, 5]);
    socket.serverEmit('conversation.updated', ev(4)); // the late original: dropped
    socket.serverEmit('conversation.updated', ev(6));
    expect(applied).toEqual([3, 4, 5, 6]);
  });

  it('buffers events that arrive while a gap is being fetched and applies them in order', async () => {
    make(log(8));
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 1 });
    socket.serverEmit('conversation.updated', ev(4));
    socket.serverEmit('conversation.updated', ev(6));
    socket.serverEmit('conversation.updated', ev(5));
    await settle();
    socket.serverEmit('conversation.updated', ev(7));
    expect(applied).toEqual([2, 3, 4, 5, 6, 7]);
    expect(server.calls[0]).toEqual({ after: 1, limit: 2 });
  });

  it('catches up after a reconnect, paging until the ready seq', async () => {
    const serverLog = log(10);
    make(serverLog);
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 2 });
    socket.serverEmit('conversation.updated', ev(3));
    socket.serverEmit('disconnect', 'transport close');
    expect(sut.state).toBe('reconnecting');
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 10 });
    expect(sut.state).toBe('reconnecting');
    await settle();
    expect(server.calls).toEqual([
      { after: 3, limit: 3 },
      { after: 6, limit: 3 },
      { after: 9, limit: 1 },
    ]);
    expect(applied).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(sut.state).toBe('online');
  });

  it('live events during catch-up are applied once, in order', async () => {
    make(log(7));
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 1 });
    socket.serverEmit('disconnect', 'transport close');
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 5 });
    socket.serverEmit('conversation.updated', ev(6)); // arrives before the fetch resolves
    socket.serverEmit('conversation.updated', ev(4)); // also in the fetched page
    await settle();
    socket.serverEmit('conversation.updated', ev(7));
    expect(applied).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('emits reset when the log was trimmed, then continues from the new seq', async () => {
    make(log(50), { trimmedBefore: 10, seq: () => 50 });
    const reset = vi.fn();
    sut.on('reset', reset);
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 3 });
    socket.serverEmit('disconnect', 'transport close');
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 50 });
    await settle();
    expect(reset).toHaveBeenCalledWith(50);
    expect(sut.lastSeq).toBe(50);
    expect(applied).toEqual([]);
    socket.serverEmit('conversation.updated', ev(51));
    expect(applied).toEqual([51]);
    expect(sut.state).toBe('online');
  });

  it('treats a ready seq lower than lastSeq as a reset (the server lost its log)', () => {
    make(log(5));
    const reset = vi.fn();
    sut.on('reset', reset);
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 5 });
    socket.serverEmit('disconnect', 'transport close');
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 0 });
    expect(reset).toHaveBeenCalledWith(0);
    socket.serverEmit('conversation.updated', ev(1));
    expect(applied).toEqual([1]);
  });

  it('events received before the first ready are kept only if newer than its seq', () => {
    make(log(5));
    socket.serverEmit('conversation.updated', ev(2));
    socket.serverEmit('conversation.updated', ev(4));
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 3 });
    expect(applied).toEqual([4]);
  });

  it('retries a failed catch-up fetch', async () => {
    let fail = true;
    const calls: string[] = [];
    sut = new RealtimeClient({
      createSocket: () => socket,
      fetch: (async (url: string) => {
        calls.push(url);
        if (fail) {
          fail = false;
          return new Response('{}', { status: 503 });
        }
        return new Response(JSON.stringify({ events: [ev(2)], seq: 2 }), { status: 200 });
      }) as unknown as typeof fetch,
      gapDelayMs: 0,
      retryDelayMs: 1,
      onError: () => {},
    });
    sut.on('event', (e) => applied.push(e.seq));
    sut.connect();
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 1 });
    socket.serverEmit('disconnect', 'transport close');
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 2 });
    await new Promise((r) => setTimeout(r, 20));
    expect(calls.length).toBe(2);
    expect(applied).toEqual([2]);
  });

  it('reports online / reconnecting / offline and the refused handshake', () => {
    make([]);
    const states: string[] = [];
    const unauth = vi.fn();
    sut.on('state', (s) => states.push(s));
    sut.on('unauthenticated', unauth);
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 0 });
    socket.serverEmit('disconnect', 'transport close');
    socket.serverEmit('connect_error', new Error('xhr poll error'));
    socket.serverEmit('connect_error', new Error('xhr poll error'));
    socket.serverEmit('connect_error', new Error('xhr poll error'));
    socket.serverEmit('connect_error', new Error('unauthenticated'));
    expect(states).toEqual(['online', 'reconnecting', 'offline']);
    expect(unauth).toHaveBeenCalledOnce();
  });

  it('retries by itself after a server refusal that is not about the session', async () => {
    make([]);
    socket.active = false;
    socket.serverEmit('connect_error', new Error('unavailable'));
    expect(socket.connectCalls).toBe(1);
    await new Promise((r) => setTimeout(r, 10));
    expect(socket.connectCalls).toBe(2);
  });

  it('passes ephemeral events through without touching seq', () => {
    make([]);
    const qr = vi.fn();
    sut.on('instance.qr', qr);
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 7 });
    const payload = {
      instanceId: 'i',
      instanceName: 'loja',
      qrCode: 'data:image/png;base64,AA',
      pairingCode: null,
    };
    socket.serverEmit('instance.qr', payload);
    expect(qr).toHaveBeenCalledWith(payload);
    expect(sut.lastSeq).toBe(7);
  });

  it('ignores a stale socket after disconnect()', () => {
    make([]);
    socket.serverEmit('ready', { accountId: 'a', userId: 'u', seq: 0 });
    sut.disconnect();
    expect(socket.disconnected).toBe(true);
    socket.serverEmit('conversation.updated', ev(1));
    expect(applied).toEqual([]);
    expect(sut.state).toBe('offline');
  });
});
