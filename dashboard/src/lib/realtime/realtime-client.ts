import {
  DURABLE_EVENT_TYPES,
  type DurableEvent,
  type DurableEventType,
  type EventsPage,
  type InstanceQrPayload,
  type ReadyPayload,
  type ServerToClientEvents,
  type TypingPayload,
} from '@atende/shared';

/** What the agent sees: live, catching up / retrying, or cut off. */
export type ConnectionState = 'online' | 'reconnecting' | 'offline';

/** The durable events the Motor emits, each under its own name (docs/api.md "Socket.IO"). */
export const DURABLE_TYPES: readonly DurableEventType[] = DURABLE_EVENT_TYPES;

/**
 * The part of a socket.io-client `Socket` this client uses, so tests can hand in a fake emitter.
 * `io` is the Manager (reconnect attempts are reported there).
 */
export interface RealtimeSocket {
  /** socket.io-client: false after a refusal by the server's middleware (no automatic retry). */
  active?: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  emit(event: string, ...args: any[]): unknown;
  connect(): unknown;
  disconnect(): unknown;
  io?: { on(event: string, listener: (...args: any[]) => void): unknown };
}

/** The server's events as shared/ types them, plus what this client adds on top. */
export interface RealtimeEvents extends ServerToClientEvents {
  /** Any durable event, after its typed listeners ran. */
  event: (e: DurableEvent) => void;
  /** The log was trimmed past our position (or the server's log is behind us): reload lists. */
  reset: (seq: number) => void;
  state: (s: ConnectionState) => void;
  /** The session is gone (handshake refused or /api/events answered 401). */
  unauthenticated: () => void;
}

export interface RealtimeClientOptions {
  /** Makes the (not yet connected) socket: `() => io({ autoConnect: false, ... })`. */
  createSocket: () => RealtimeSocket;
  /** Used for GET /api/events; injected for tests. */
  fetch?: typeof fetch;
  baseUrl?: string;
  /** Page size for reconnect catch-up (the server caps it). */
  pageLimit?: number;
  /** How long a hole may stay open before fetching it (events can arrive slightly out of order). */
  gapDelayMs?: number;
  /** First delay before retrying a failed /api/events fetch (doubles, capped at 30 s). */
  retryDelayMs?: number;
  /** Failed connection attempts in a row after which the state reads `offline`. */
  offlineAfterAttempts?: number;
  onError?: (error: unknown) => void;
}

type Listener = (...args: any[]) => void;

/**
 * The dashboard's one Socket.IO client. It applies every durable event exactly once, in `seq`
 * order: events at or below `lastSeq` are dropped, a hole is buffered and filled from
 * `GET /api/events`, and after a reconnect the `ready.seq` tells how far to catch up
 * (docs/realtime.md). Ephemeral events pass straight through.
 *
 * @example
 * const rt = new RealtimeClient({ createSocket: () => io({ autoConnect: false }) });
 * rt.on('message.created', (e) => inbox.apply(e)); // InboxState.apply (state/inbox.svelte.ts)
 * rt.connect();
 */
export class RealtimeClient {
  readonly #opts: Required<Omit<RealtimeClientOptions, 'onError' | 'baseUrl'>> & {
    baseUrl: string;
    onError: (e: unknown) => void;
  };
  readonly #listeners = new Map<keyof RealtimeEvents, Set<Listener>>();
  #socket: RealtimeSocket | null = null;
  #state: ConnectionState = 'offline';
  #connected = false;
  #failedAttempts = 0;
  #lastSeq: number | null = null;
  #target = 0;
  readonly #buffer = new Map<number, DurableEvent>();
  #syncing = false;
  #gapTimer: ReturnType<typeof setTimeout> | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #retryDelay: number;
  #generation = 0;

  constructor(opts: RealtimeClientOptions) {
    this.#opts = {
      fetch: opts.fetch ?? ((...args) => globalThis.fetch(...args)),
      baseUrl: opts.baseUrl ?? '',
      createSocket: opts.createSocket,
      pageLimit: opts.pageLimit ?? 500,
      gapDelayMs: opts.gapDelayMs ?? 150,
      retryDelayMs: opts.retryDelayMs ?? 1000,
      offlineAfterAttempts: opts.offlineAfterAttempts ?? 3,
      onError: opts.onError ?? ((e) => console.error('[realtime]', e)),
    };
    this.#retryDelay = this.#opts.retryDelayMs;
  }

  /** The last applied `seq` (null before the first `ready`). */
  get lastSeq(): number | null {
    return this.#lastSeq;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof RealtimeEvents>(event: K, listener: RealtimeEvents[K]): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  /** Opens the socket. The first `ready` sets the starting `seq`: events after it are applied. */
  connect(): void {
    if (this.#socket) return;
    const generation = ++this.#generation;
    const socket = this.#opts.createSocket();
    this.#socket = socket;
    const guard =
      <A extends unknown[]>(fn: (...a: A) => void) =>
      (...a: A) => {
        if (generation === this.#generation) fn(...a);
      };
    socket.on('ready', guard((p: ReadyPayload) => this.#onReady(p)));
    socket.on('disconnect', guard((reason: string) => this.#onDisconnect(reason)));
    socket.on('connect_error', guard((err: Error) => this.#onConnectError(err)));
    socket.io?.on('reconnect_attempt', guard(() => this.#setState(this.#offlineOrReconnecting())));
    for (const type of DURABLE_TYPES) {
      socket.on(type, guard((e: DurableEvent) => this.#onDurable(e)));
    }
    socket.on('instance.qr', guard((p: InstanceQrPayload) => this.#emit('instance.qr', p)));
    socket.on('conversation.typing', guard((p: TypingPayload) => this.#emit('conversation.typing', p)));
    this.#setState('reconnecting');
    socket.connect();
  }

  /** Closes the socket and forgets the position (a later connect starts from its `ready`). */
  disconnect(): void {
    this.#generation++;
    this.#clearTimers();
    this.#socket?.disconnect();
    this.#socket = null;
    this.#connected = false;
    this.#syncing = false;
    this.#lastSeq = null;
    this.#target = 0;
    this.#buffer.clear();
    this.#setState('offline');
  }

  /** Tells the other agents this one is typing (ephemeral, best effort). */
  typing(conversationId: string): void {
    if (this.#connected) this.#socket?.emit('conversation:typing', { conversationId }, () => {});
  }

  /** The browser says the network went away / came back. */
  setNetworkOnline(online: boolean): void {
    if (!online) this.#setState('offline');
    else if (!this.#connected && this.#socket) this.#setState('reconnecting');
  }

  #onReady(p: ReadyPayload): void {
    this.#connected = true;
    this.#failedAttempts = 0;
    this.#retryDelay = this.#opts.retryDelayMs;
    this.#emit('ready', p);
    if (this.#lastSeq === null || p.seq < this.#lastSeq) {
      // First connection (REST lists were loaded around now; events after `seq` are applied), or the
      // server's log is behind ours (a fresh database): start over from the server's number.
      const first = this.#lastSeq === null;
      if (!first) this.#buffer.clear();
      this.#lastSeq = p.seq;
      this.#target = p.seq;
      if (!first) this.#emit('reset', p.seq);
      this.#drain();
      if (this.#buffer.size > 0) void this.#sync();
      else this.#setState('online');
      return;
    }
    this.#target = Math.max(this.#target, p.seq);
    if (p.seq > this.#lastSeq || this.#buffer.size > 0) void this.#sync();
    else this.#setState('online');
  }

  #onDisconnect(reason: string): void {
    this.#connected = false;
    this.#clearTimers();
    if (reason === 'io client disconnect') return this.#setState('offline');
    this.#setState('reconnecting');
    // The server closed us on purpose: socket.io will not retry by itself.
    if (reason === 'io server disconnect') {
      this.#retryTimer = setTimeout(() => this.#socket?.connect(), this.#opts.retryDelayMs);
    }
  }

  #onConnectError(err: Error): void {
    this.#failedAttempts++;
    if (err?.message === 'unauthenticated') {
      this.#setState('offline');
      this.#emit('unauthenticated');
      return;
    }
    this.#setState(this.#offlineOrReconnecting());
    // Refused by the server (e.g. `unavailable` while its database is down): socket.io will not
    // retry a middleware refusal by itself, so try again with backoff.
    if (this.#socket && this.#socket.active === false && !this.#retryTimer) {
      const delay = Math.min(this.#opts.retryDelayMs * 2 ** Math.min(this.#failedAttempts - 1, 5), 30_000);
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        this.#socket?.connect();
      }, delay);
    }
  }

  #offlineOrReconnecting(): ConnectionState {
    return this.#failedAttempts >= this.#opts.offlineAfterAttempts ? 'offline' : 'reconnecting';
  }

  #onDurable(e: DurableEvent): void {
    if (!e || typeof e.seq !== 'number') return;
    if (this.#lastSeq === null) {
      this.#buffer.set(e.seq, e); // before the first ready: keep, sort out once we know the start
      return;
    }
    if (e.seq <= this.#lastSeq) return; // already applied
    if (e.seq === this.#lastSeq + 1 && !this.#syncing) {
      this.#apply(e);
      this.#drain();
      return;
    }
    this.#buffer.set(e.seq, e);
    this.#target = Math.max(this.#target, e.seq);
    if (this.#syncing) return;
    if (this.#gapTimer) return;
    this.#gapTimer = setTimeout(() => {
      this.#gapTimer = null;
      this.#drain();
      if (this.#buffer.size > 0) void this.#sync();
    }, this.#opts.gapDelayMs);
  }

  #apply(e: DurableEvent): void {
    this.#lastSeq = e.seq;
    try {
      this.#emit(e.type, e as never);
      this.#emit('event', e);
    } catch (err) {
      this.#opts.onError(err);
    }
  }

  /** Applies buffered events that now follow `lastSeq`; drops the stale ones. */
  #drain(): void {
    if (this.#lastSeq === null) return;
    for (const seq of [...this.#buffer.keys()]) if (seq <= this.#lastSeq) this.#buffer.delete(seq);
    let next = this.#buffer.get(this.#lastSeq + 1);
    while (next) {
      this.#buffer.delete(next.seq);
      this.#apply(next);
      next = this.#buffer.get(this.#lastSeq + 1);
    }
  }

  #firstBuffered(): number | undefined {
    let min: number | undefined;
    for (const seq of this.#buffer.keys()) if (min === undefined || seq < min) min = seq;
    return min;
  }

  /** Fetches what is missing (a hole before a buffered event, or up to `target`) and applies it. */
  async #sync(): Promise<void> {
    if (this.#syncing) return;
    if (this.#gapTimer) clearTimeout(this.#gapTimer);
    this.#gapTimer = null;
    this.#syncing = true;
    const generation = this.#generation;
    try {
      for (;;) {
        this.#drain();
        const last = this.#lastSeq;
        if (last === null || generation !== this.#generation) return;
        const hole = this.#firstBuffered();
        const missing = hole !== undefined ? hole - last - 1 : this.#target - last;
        if (missing <= 0) break;
        const page = await this.#fetchEvents(last, Math.min(this.#opts.pageLimit, missing));
        if (generation !== this.#generation) return;
        if ('reset' in page && page.reset) {
          this.#lastSeq = Math.max(page.seq, last);
          this.#target = Math.max(this.#target, this.#lastSeq);
          this.#emit('reset', this.#lastSeq);
          continue;
        }
        const events = 'events' in page ? page.events : [];
        for (const e of events) {
          if (e.seq <= (this.#lastSeq ?? 0)) continue;
          if (e.seq === (this.#lastSeq ?? 0) + 1) this.#apply(e);
          else this.#buffer.set(e.seq, e);
        }
        if (events.length === 0) {
          // The server has nothing in the hole (it cannot know more): move on instead of spinning.
          this.#opts.onError(new Error(`events after ${last} missing on the server`));
          this.#lastSeq = hole !== undefined ? hole - 1 : Math.max(last, page.seq);
          if (hole === undefined) this.#target = this.#lastSeq;
        }
      }
      this.#retryDelay = this.#opts.retryDelayMs;
      if (this.#connected) this.#setState('online');
    } catch (err) {
      if (generation !== this.#generation) return;
      if ((err as Error)?.message === 'unauthenticated') {
        this.#setState('offline');
        this.#emit('unauthenticated');
        return;
      }
      this.#opts.onError(err);
      const delay = this.#retryDelay;
      this.#retryDelay = Math.min(this.#retryDelay * 2, 30_000);
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        if (this.#connected) void this.#sync();
      }, delay);
    } finally {
      if (generation === this.#generation) this.#syncing = false;
    }
  }

  async #fetchEvents(after: number, limit: number): Promise<EventsPage> {
    const res = await this.#opts.fetch(`${this.#opts.baseUrl}/api/events?after=${after}&limit=${limit}`, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    if (res.status === 401) throw new Error('unauthenticated');
    if (!res.ok) throw new Error(`GET /api/events failed with status ${res.status}`);
    return (await res.json()) as EventsPage;
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#emit('state', state);
  }

  #emit<K extends keyof RealtimeEvents>(event: K, ...args: Parameters<RealtimeEvents[K]>): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) fn(...args);
  }

  #clearTimers(): void {
    if (this.#gapTimer) clearTimeout(this.#gapTimer);
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#gapTimer = null;
    this.#retryTimer = null;
  }
}
