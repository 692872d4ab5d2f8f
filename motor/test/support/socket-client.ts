import type {
  Ack,
  ClientToServerEvents,
  DurableEvent,
  EventsPage,
  InstanceQrPayload,
  ReadyPayload,
  ServerToClientEvents,
  TypingPayload,
} from '@atende/shared';
import {
  DURABLE_EVENT_TYPES,
  instanceQrPayloadSchema,
  parseDurableEvent,
  readyPayloadSchema,
  typingPayloadSchema,
} from '@atende/shared';
import { io, type Socket } from 'socket.io-client';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface CatchUpFetch {
  after: number;
  limit: number;
  /** The seqs the page carried, or 'reset'. */
  got: number[] | 'reset';
}

export interface TestClientOptions {
  /** The Motor's base URL, e.g. http://127.0.0.1:53121 */
  url: string;
  /** A `Cookie` header (`atende_session=…`); or use `token`. */
  cookie?: string;
  token?: string;
  /** Apply everything after this seq (fetched at the first `ready`); default: start at `ready.seq`. */
  fromSeq?: number;
  /** Page size for catch-up fetches. */
  pageLimit?: number;
  /** Default websocket only (no long-polling first), as browsers end up anyway. */
  transports?: ('websocket' | 'polling')[];
  /** Headers of the handshake itself (e.g. a foreign Origin). */
  extraHeaders?: Record<string, string>;
  /** Where to fetch /api/events when it is not `url` (e.g. another Motor process). */
  eventsUrl?: string;
}

/**
 * A typed Socket.IO client for tests that behaves like the dashboard must: it applies durable
 * events exactly once and in `seq` order. Events at or below the last applied seq are dropped;
 * a hole (an event beyond `last + 1`) or a reconnect whose `ready.seq` is ahead makes it fetch
 * exactly the missing seqs from `GET /api/events`. Everything is processed on one queue, so a
 * fetch and live events never interleave.
 *
 * @example
 *   const c = await TestRealtimeClient.connect({ url, cookie, fromSeq: 0 });
 *   await c.waitForSeq(10);
 *   expect(c.appliedSeqs()).toEqual([1, 2, …, 10]);
 */
export class TestRealtimeClient {
  readonly socket: ClientSocket;
  /** Durable events in the order they were applied. */
  readonly applied: DurableEvent[] = [];
  /** Every durable event the socket delivered live, duplicates and all. */
  readonly live: DurableEvent[] = [];
  readonly readies: ReadyPayload[] = [];
  readonly fetches: CatchUpFetch[] = [];
  readonly typing: TypingPayload[] = [];
  readonly qr: InstanceQrPayload[] = [];
  resets = 0;
  lastSeq: number | null = null;
  private readonly buffer = new Map<number, DurableEvent>();
  private queue: Promise<void> = Promise.resolve();
  private waiters: { check: () => boolean; resolve: () => void }[] = [];
  private failure: Error | null = null;

  private constructor(private readonly opts: TestClientOptions) {
    const extraHeaders = { ...opts.extraHeaders, ...(opts.cookie ? { cookie: opts.cookie } : {}) };
    this.socket = io(opts.url, {
      path: '/socket.io',
      transports: opts.transports ?? ['websocket'],
      extraHeaders,
      auth: opts.token ? { token: opts.token } : {},
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      autoConnect: false,
      forceNew: true,
    });
    // Every payload is checked against shared's schemas: a shape the contract does not allow fails
    // the test that received it (waitFor/waitForSeq reject with the ZodError).
    this.socket.on('ready', (p) => this.enqueue(() => this.onReady(readyPayloadSchema.parse(p))));
    for (const type of DURABLE_EVENT_TYPES) {
      this.socket.on(type, ((e: DurableEvent) => {
        this.live.push(e);
        this.enqueue(() => this.onEvent(parseDurableEvent(e)));
      }) as never);
    }
    this.socket.on('conversation.typing', (p) =>
      this.enqueue(() => void this.typing.push(typingPayloadSchema.parse(p))),
    );
    this.socket.on('instance.qr', (p) =>
      this.enqueue(() => void this.qr.push(instanceQrPayloadSchema.parse(p))),
    );
    this.socket.on('disconnect', (reason) => {
      // The server cut us (e.g. the backpressure guard): a browser would come back; so do we.
      if (reason === 'io server disconnect') setTimeout(() => this.socket.connect(), 50);
      this.notify();
    });
  }

  /**
   * Connects and resolves at the first `ready` (rejects with the `connect_error` message).
   *
   * @example
   *   const c = await TestRealtimeClient.connect({ url, cookie });
   */
  static async connect(opts: TestClientOptions): Promise<TestRealtimeClient> {
    const c = new TestRealtimeClient(opts);
    await c.open();
    return c;
  }

  /** Connects without waiting; the promise resolves at `ready` or rejects at `connect_error`. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const readies = this.readies.length;
      const onError = (err: Error) => {
        this.socket.off('connect_error', onError);
        reject(err);
      };
      this.socket.on('connect_error', onError);
      this.waitFor(() => this.readies.length > readies, 15_000).then(() => {
        this.socket.off('connect_error', onError);
        resolve();
      }, reject);
      this.socket.connect();
    });
  }

  /** The applied seqs, in order. */
  appliedSeqs(): number[] {
    return this.applied.map((e) => e.seq);
  }

  /** Resolves once `lastSeq >= seq` (rejects on timeout or a catch-up failure). */
  waitForSeq(seq: number, timeoutMs = 15_000): Promise<void> {
    return this.waitFor(() => (this.lastSeq ?? -1) >= seq, timeoutMs, `seq ${seq}`);
  }

  /** Resolves when `check()` holds, re-checked after anything the client receives. */
  waitFor(check: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = {
        check,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(
          new Error(
            `timed out waiting for ${what} (lastSeq=${this.lastSeq}, connected=${this.socket.connected})`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /**
   * Sends a command and resolves with its ack.
   *
   * @example
   *   await c.command('conversation:read', { conversationId }) // { ok: true, data: null }
   */
  command(event: keyof ClientToServerEvents, payload: unknown, timeoutMs = 5000): Promise<Ack<null>> {
    return this.socket.timeout(timeoutMs).emitWithAck(event, payload as never) as Promise<Ack<null>>;
  }

  close(): void {
    this.socket.disconnect();
  }

  private enqueue(step: () => Promise<void> | void) {
    this.queue = this.queue
      .then(step)
      .catch((err: Error) => {
        this.failure = err;
      })
      .finally(() => this.notify());
  }

  private async onReady(p: ReadyPayload) {
    this.readies.push(p);
    if (this.lastSeq === null) {
      this.lastSeq = this.opts.fromSeq ?? p.seq;
    } else if (p.seq < this.lastSeq) {
      // The server's log is behind ours (another database): start over from its number.
      this.resets++;
      this.lastSeq = p.seq;
    }
    await this.fillTo(p.seq);
    await this.drain();
  }

  private async onEvent(e: DurableEvent) {
    if (this.lastSeq === null) return void this.buffer.set(e.seq, e); // before the first ready
    if (e.seq <= this.lastSeq) return; // already applied (or a stale duplicate)
    this.buffer.set(e.seq, e);
    await this.drain();
  }

  /** Applies buffered events in order; fetches the hole before the first buffered one. */
  private async drain() {
    for (;;) {
      const last = this.lastSeq!;
      for (const s of this.buffer.keys()) if (s <= last) this.buffer.delete(s);
      const next = this.buffer.get(last + 1);
      if (next) {
        this.buffer.delete(next.seq);
        this.apply(next);
        continue;
      }
      if (this.buffer.size === 0) return;
      const hole = Math.min(...this.buffer.keys());
      await this.fillTo(hole - 1);
    }
  }

  /** Fetches (lastSeq, upTo] page by page and applies it. */
  private async fillTo(upTo: number) {
    while (this.lastSeq! < upTo) {
      const after = this.lastSeq!;
      const limit = Math.min(upTo - after, this.opts.pageLimit ?? 500);
      const page = await this.fetchEvents(after, limit);
      if ('reset' in page) {
        this.fetches.push({ after, limit, got: 'reset' });
        this.resets++;
        this.lastSeq = Math.max(page.seq, upTo);
        return;
      }
      this.fetches.push({ after, limit, got: page.events.map((e) => e.seq) });
      if (page.events.length === 0)
        throw new Error(`GET /api/events after=${after} returned nothing below ${upTo}`);
      for (const e of page.events) {
        if (e.seq !== this.lastSeq! + 1)
          throw new Error(`catch-up page has a hole: ${this.lastSeq} then ${e.seq}`);
        this.apply(e);
      }
    }
  }

  private apply(e: DurableEvent) {
    this.applied.push(e);
    this.lastSeq = e.seq;
  }

  /** Retries transport failures and 5xx (a Motor being killed or restarted), like a browser would. */
  private async fetchEvents(after: number, limit: number): Promise<EventsPage> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.fetchOnce(after, limit);
      } catch (err) {
        if (attempt >= 40 || (err as { status?: number }).status! < 500) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private async fetchOnce(after: number, limit: number): Promise<EventsPage> {
    const base = this.opts.eventsUrl ?? this.opts.url;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.cookie) headers.cookie = this.opts.cookie;
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    const res = await fetch(`${base}/api/events?after=${after}&limit=${limit}`, { headers });
    if (!res.ok) {
      throw Object.assign(new Error(`GET /api/events failed with ${res.status}: ${await res.text()}`), {
        status: res.status,
      });
    }
    const page = (await res.json()) as EventsPage;
    if ('events' in page) page.events.forEach(parseDurableEvent);
    return page;
  }

  private notify() {
    for (const w of [...this.waiters]) {
      if (w.check()) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve();
      }
    }
  }
}
