import type {
  Conversation,
  DurableEvent,
  EventData,
  Message,
  PatchConversationBody,
  TypingPayload,
  UnreadCounts,
} from '@atende/shared';
import { SvelteSet } from 'svelte/reactivity';
import type { Api, OutgoingFile } from '$lib/api';
import {
  appendPage,
  isSearch,
  optimisticMessage,
  pageEnd,
  prependPage,
  upsertConversation,
  upsertMessage,
  withOwnReaction,
  type ConversationFilter,
  type ListState,
  type Source,
  type ThreadState,
} from './inbox-logic';

export const PAGE_SIZE = 50;
const MAX_CACHED_THREADS = 8;
const TYPING_MS = 6000;
/** How long after a change of unknown effect the server's unread counts are read again. */
const UNREAD_REFRESH_MS = 1500;
const NO_UNREAD: UnreadCounts = { total: 0, open: 0, pending: 0, resolved: 0 };

export interface Thread extends ThreadState {
  loading: boolean;
  loaded: boolean;
  error: unknown;
}

type ListQuery = {
  status?: Conversation['status'];
  q?: string;
  assignee?: string;
  label?: string;
  instanceId?: string;
};

export interface InboxDeps {
  api: Pick<Api, 'conversations' | 'messages'>;
  /** Who is typing in the composer (author of optimistic messages). */
  me: () => { id: string; name: string } | null;
  /** Whether the agent is looking at the page (marks the open conversation read). */
  isViewing?: () => boolean;
  /**
   * Called for every new incoming message (sound, notifications); `isNewConversation` when its
   * conversation was not known to this inbox before.
   */
  onIncoming?: (message: Message, conversation: Conversation, info: { isNewConversation: boolean }) => void;
  newId?: () => string;
  /** Reports a failed background call (mark read, etc.). */
  onError?: (error: unknown) => void;
}

const emptyThread = (): Thread => ({
  messages: [],
  hasMore: true,
  loading: false,
  loaded: false,
  error: null,
});

/**
 * The live inbox: the conversation list under the current filter, the threads that were opened,
 * unread counts for the tab title, and who is typing. REST pages fill it; socket events keep it
 * current through `apply` (one event-name → handler map). Events that arrive while a page is in
 * flight are re-applied after it lands, so a slow answer never rolls the state back.
 *
 * @example
 * const inbox = new InboxStore({ api, me: () => session.user });
 * realtime.client.on('event', (e) => inbox.apply(e));
 * await inbox.loadList();
 */
export class InboxStore {
  filter = $state.raw<ConversationFilter>({ status: 'open', q: '' });
  list = $state.raw<ListState>({ items: [], hasMore: true });
  listLoading = $state(false);
  listLoaded = $state(false);
  listError = $state.raw<unknown>(null);
  threads = $state.raw<Record<string, Thread>>({});
  /** The conversation shown in the thread pane (may be outside the list's filter). */
  current = $state.raw<Conversation | null>(null);
  openId = $state<string | null>(null);
  /** Who is typing in each conversation: another agent, or the customer (typing or recording). */
  typing = $state.raw<
    Record<string, { name: string; until: number; from: 'agent' | 'contact'; state: 'typing' | 'recording' }>
  >({});
  /** Merged-away conversation id → the id it was merged into (the open page follows it). */
  merged = $state.raw<Record<string, string>>({});
  /** Ids of loaded conversations with unread messages. */
  readonly unreadIds = new SvelteSet<string>();
  /**
   * Conversations with unread messages, from the server (all of them, not just the loaded page),
   * kept current by events: exactly when the change is known, else by a debounced re-read.
   */
  unread = $state.raw<UnreadCounts>(NO_UNREAD);

  readonly #deps: InboxDeps;
  #listToken = 0;
  readonly #captures = new Set<DurableEvent[]>();
  #threadOrder: string[] = [];
  #readTimer: ReturnType<typeof setTimeout> | null = null;
  /** What the unread counts last knew of each conversation. */
  readonly #known = new Map<string, { status: Conversation['status']; unread: boolean }>();
  #unreadTimer: ReturnType<typeof setTimeout> | null = null;
  #unreadVersion = 0;

  constructor(deps: InboxDeps) {
    this.#deps = deps;
  }

  /** The tab-title and nav-badge count: conversations with unread messages, all tabs. */
  get unreadCount(): number {
    return this.unread.total;
  }

  /** Reads the unread counts from the server (a slower answer never overwrites a newer event). */
  async loadUnread(): Promise<void> {
    const read = this.#deps.api.conversations.unread;
    if (!read) return;
    const version = this.#unreadVersion;
    try {
      const counts = await read();
      if (version === this.#unreadVersion) this.unread = counts;
      else this.#scheduleUnread();
    } catch (error) {
      this.#deps.onError?.(error);
    }
  }

  thread(id: string): Thread {
    return this.threads[id] ?? emptyThread();
  }

  /** Applies one durable socket event (already de-duplicated and ordered by the realtime client). */
  apply(e: DurableEvent): void {
    for (const c of this.#captures) c.push(e);
    const handler = this.#handlers[e.type] as ((d: unknown) => void) | undefined;
    handler?.(e.data);
  }

  readonly #handlers: { [K in DurableEvent['type']]?: (d: EventData<K>) => void } = {
    'message.created': ({ message, conversation }) => {
      const isNew = !this.threads[message.conversationId]?.messages.some((m) => m.id === message.id);
      const isNewConversation =
        !this.#known.has(conversation.id) && !this.list.items.some((c) => c.id === conversation.id);
      this.#putConversation(conversation, 'event', { incoming: isNew && message.direction === 'in' });
      this.#putMessage(message, 'event');
      if (isNew && message.direction === 'in') this.#deps.onIncoming?.(message, conversation, { isNewConversation });
      // The customer's message ends their "digitando…".
      if (message.direction === 'in' && this.typing[conversation.id]?.from === 'contact') this.#stopTyping(conversation.id);
    },
    'message.updated': ({ message }) => this.#putMessage(message, 'event'),
    'conversation.updated': ({ conversation }) => this.#putConversation(conversation, 'event'),
    'conversation.merged': ({ fromId, intoId, conversation }) => this.#merge(fromId, intoId, conversation),
  };

  /** Where a conversation went when it was merged into another (LID/phone), if it was. */
  mergedInto(id: string): string | null {
    return this.merged[id] ?? null;
  }

  /** A LID/phone merge: the ghost leaves the list, the threads and the counts; the kept one shows. */
  #merge(fromId: string, intoId: string, conversation: Conversation): void {
    const ghost = this.#known.get(fromId);
    if (ghost?.unread) {
      this.#unreadVersion++;
      this.unread = {
        ...this.unread,
        total: this.unread.total - 1,
        [ghost.status]: this.unread[ghost.status] - 1,
      };
    }
    this.#known.delete(fromId);
    this.unreadIds.delete(fromId);
    this.list = { ...this.list, items: this.list.items.filter((c) => c.id !== fromId) };
    if (this.threads[fromId]) {
      const { [fromId]: _, ...rest } = this.threads;
      this.threads = rest;
      this.#threadOrder = this.#threadOrder.filter((x) => x !== fromId);
      // The kept thread now holds the ghost's messages: read it again when it is opened.
      if (this.threads[intoId]) this.threads = { ...this.threads, [intoId]: emptyThread() };
    }
    this.merged = { ...this.merged, [fromId]: intoId };
    if (this.current?.id === fromId) this.current = null;
    this.#putConversation(conversation, 'event');
  }

  /**
   * Ephemeral `conversation.typing`: another agent in the composer, or the customer typing or
   * recording on WhatsApp (`paused` ends it; so does their message, or silence for a few seconds).
   */
  applyTyping(p: TypingPayload, now = Date.now()): void {
    const from = p.from ?? 'agent';
    if (from === 'agent' && p.userId === this.#deps.me()?.id) return;
    if (p.state === 'paused') {
      if (this.typing[p.conversationId]?.from === from) this.#stopTyping(p.conversationId);
      return;
    }
    const state = p.state === 'recording' ? 'recording' : 'typing';
    this.typing = { ...this.typing, [p.conversationId]: { name: p.name, until: now + TYPING_MS, from, state } };
    setTimeout(() => {
      const t = this.typing[p.conversationId];
      if (t && t.until <= Date.now()) this.#stopTyping(p.conversationId);
    }, TYPING_MS + 50);
  }

  #stopTyping(conversationId: string): void {
    const { [conversationId]: _, ...rest } = this.typing;
    this.typing = rest;
  }

  /** Changes the filter (tab or search) and reloads the first page. */
  setFilter(patch: Partial<ConversationFilter>): Promise<void> {
    this.filter = { ...this.filter, ...patch };
    return this.loadList();
  }

  /** Loads the first page under the current filter (also after a `reset`). */
  async loadList(): Promise<void> {
    const token = ++this.#listToken;
    this.listLoading = true;
    this.listError = null;
    void this.loadUnread();
    const captured = this.#capture();
    try {
      const page = await this.#deps.api.conversations.list({ ...this.#listQuery(), limit: PAGE_SIZE });
      if (token !== this.#listToken) return;
      this.list = appendPage({ items: [], hasMore: true }, page, PAGE_SIZE);
      for (const c of page) this.#trackUnread(c, { snapshot: true });
      this.#replay(captured);
      this.listLoaded = true;
    } catch (error) {
      if (token === this.#listToken) this.listError = error;
    } finally {
      this.#captures.delete(captured);
      if (token === this.#listToken) this.listLoading = false;
    }
  }

  /** Loads the next page (infinite scroll). */
  async loadMore(): Promise<void> {
    if (this.listLoading || !this.list.hasMore || !this.listLoaded) return;
    const token = this.#listToken;
    this.listLoading = true;
    const captured = this.#capture();
    try {
      const cursor = this.list.cursor;
      const page = await this.#deps.api.conversations.list({
        ...this.#listQuery(),
        cursor,
        limit: PAGE_SIZE,
      });
      if (token !== this.#listToken) return;
      this.list = appendPage(this.list, page, PAGE_SIZE);
      for (const c of page) this.#trackUnread(c, { snapshot: true });
      this.#replay(captured);
    } catch (error) {
      if (token === this.#listToken) this.listError = error;
    } finally {
      this.#captures.delete(captured);
      if (token === this.#listToken) this.listLoading = false;
    }
  }

  /** Shows a conversation: loads its latest messages (once) and marks it read. */
  async open(id: string): Promise<void> {
    this.openId = id;
    this.current =
      this.list.items.find((c) => c.id === id) ?? (this.current?.id === id ? this.current : null);
    this.#touchThread(id);
    const jobs: Promise<unknown>[] = [];
    if (!this.current) jobs.push(this.#fetchConversation(id));
    if (!this.thread(id).loaded) jobs.push(this.#loadThread(id));
    this.markRead(id);
    await Promise.all(jobs);
  }

  close(): void {
    this.openId = null;
  }

  /** Loads older messages of a thread (scroll-up). */
  async loadOlder(id: string): Promise<void> {
    const t = this.thread(id);
    if (t.loading || !t.hasMore || !t.loaded) return;
    // The server's cursor; an older server without one pages by time.
    const q = t.cursor ? { cursor: t.cursor } : { before: t.messages[0]?.createdAt };
    if (!q.cursor && !q.before) return;
    this.#setThread(id, { ...t, loading: true });
    const captured = this.#capture();
    try {
      const page = await this.#deps.api.conversations.messages(id, { ...q, limit: PAGE_SIZE });
      const cur = this.thread(id);
      this.#setThread(id, { ...cur, ...prependPage(cur, page, PAGE_SIZE), loading: false });
      this.#replay(captured);
    } catch (error) {
      this.#setThread(id, { ...this.thread(id), loading: false, error });
    } finally {
      this.#captures.delete(captured);
    }
  }

  /**
   * Sends a text: shows it at once with a fresh clientId, then lets the server's version (from
   * the answer or the socket, whichever comes first) replace it. A failure marks it `failed`.
   */
  async send(conversationId: string, text: string, opts: { quoted?: Message | null } = {}): Promise<void> {
    const me = this.#deps.me();
    const body = text.trim();
    if (!me || !body) return;
    const clientId = this.#deps.newId?.() ?? crypto.randomUUID();
    const quoted = opts.quoted ?? null;
    this.#putMessage(optimisticMessage({ conversationId, clientId, text: body, author: me, quoted }), 'rest');
    await this.#post(conversationId, body, clientId, quoted?.id);
  }

  /** Saves a private note (only the team sees it); throws when the server refuses it. */
  async note(conversationId: string, text: string): Promise<void> {
    const body = text.trim();
    if (!body) return;
    this.#putMessage(await this.#deps.api.conversations.note(conversationId, body), 'rest');
  }

  /**
   * The business reacts to a message (`emoji` "" or the current one removes it): the counts
   * change at once, the server's answer settles them; a refusal puts them back and throws.
   */
  async react(message: Message, emoji: string): Promise<void> {
    const next = message.ownReaction === emoji ? '' : emoji;
    this.#putMessage(withOwnReaction(message, next), 'rest');
    try {
      const r = await this.#deps.api.messages.react(message.id, next);
      this.#putMessage(r.message, 'rest');
    } catch (error) {
      this.#putMessage(message, 'rest');
      throw error;
    }
  }

  /**
   * Sends a file (docs/media.md): the upload answers with the pending message, which then moves
   * like a text. A refusal (413 too large, 415 a kind WhatsApp cannot take, …) is thrown as the
   * ApiError for the preview to explain; nothing is added to the thread then.
   */
  async sendFile(conversationId: string, file: Omit<OutgoingFile, 'clientId'>): Promise<Message> {
    const clientId = this.#deps.newId?.() ?? crypto.randomUUID();
    const res = await this.#deps.api.conversations.sendFile(conversationId, { ...file, clientId });
    const message = { ...res.message, clientId: res.message.clientId ?? clientId };
    this.#putMessage(message, 'rest');
    return message;
  }

  /**
   * Re-sends a failed message with its own clientId (the server re-sends that same message; a
   * file's bytes are already on the server, so a file goes again without uploading it).
   */
  async retry(message: Message): Promise<void> {
    const isFile = message.media !== null && message.type !== 'text' && message.clientId;
    if (message.status !== 'failed' || (!message.text && !isFile)) return;
    const clientId = message.clientId ?? this.#deps.newId?.() ?? crypto.randomUUID();
    const t = this.thread(message.conversationId);
    this.#setThread(message.conversationId, {
      ...t,
      messages: t.messages.map((m) =>
        m.id === message.id ? { ...m, clientId, status: 'pending', error: null } : m,
      ),
    });
    await this.#post(
      message.conversationId,
      message.text || message.media?.fileName || message.type,
      clientId,
      message.quoted?.messageId ?? undefined,
    );
  }

  /** PATCH status / assignee / AI; the answer (and the socket event) updates list and header. */
  async update(id: string, body: PatchConversationBody): Promise<void> {
    const conv = await this.#deps.api.conversations.patch(id, body);
    this.#putConversation(conv, 'rest');
  }

  /** Marks a conversation read now (optimistically) and on the server. */
  markRead(id: string): void {
    const c = this.list.items.find((x) => x.id === id) ?? (this.current?.id === id ? this.current : null);
    if (c && c.unreadCount === 0) return; // nothing to clear (unknown conversations are still told)
    if (c) this.#putConversation({ ...c, unreadCount: 0 }, 'rest');
    else this.#scheduleUnread();
    this.unreadIds.delete(id);
    this.#read(id);
  }

  /**
   * Tells the server; once it answered, the counts are read again: a count read while the read
   * was on its way would still hold this conversation, and nothing else would correct it.
   */
  #read(id: string): void {
    this.#deps.api.conversations
      .read(id)
      .then(() => this.#scheduleUnread())
      .catch((e) => this.#deps.onError?.(e));
  }

  /** Drops everything (logout, or a `reset` before reloading). */
  clear(): void {
    this.#listToken++;
    this.list = { items: [], hasMore: true };
    this.listLoaded = false;
    this.threads = {};
    this.#threadOrder = [];
    this.current = null;
    this.unreadIds.clear();
    this.#known.clear();
    this.unread = NO_UNREAD;
  }

  /** After a `reset` from the realtime client: reload the list and the open thread. */
  async reload(): Promise<void> {
    const open = this.openId;
    this.threads = {};
    this.#threadOrder = [];
    const jobs = [this.loadList()];
    if (open) jobs.push(this.#loadThread(open), this.#fetchConversation(open));
    await Promise.all(jobs);
  }

  async #post(conversationId: string, text: string, clientId: string, quotedMessageId?: string): Promise<void> {
    try {
      const res = await this.#deps.api.conversations.send(conversationId, {
        text,
        clientId,
        ...(quotedMessageId ? { quotedMessageId } : {}),
      });
      this.#putMessage({ ...res.message, clientId: res.message.clientId ?? clientId }, 'rest');
    } catch (error) {
      const t = this.thread(conversationId);
      const reason = (error as { code?: string; message?: string })?.code ?? 'network_error';
      this.#setThread(conversationId, {
        ...t,
        messages: t.messages.map((m) =>
          m.clientId === clientId && m.status === 'pending' ? { ...m, status: 'failed', error: reason } : m,
        ),
      });
    }
  }

  #putConversation(conv: Conversation, source: Source, opts: { incoming?: boolean } = {}): void {
    let c = conv;
    const prev =
      this.list.items.find((x) => x.id === conv.id) ?? (this.current?.id === conv.id ? this.current : null);
    // A REST answer older than what the socket already told us keeps the newer activity fields.
    if (source === 'rest' && prev && (prev.lastMessageAt ?? '') > (conv.lastMessageAt ?? '')) {
      const { lastMessageAt, lastMessagePreview, lastMessageType } = prev;
      c = { ...conv, lastMessageAt, lastMessagePreview, lastMessageType };
    }
    if (
      c.id === this.openId &&
      c.unreadCount > 0 &&
      source === 'event' &&
      (this.#deps.isViewing?.() ?? true)
    ) {
      c = { ...c, unreadCount: 0 };
      this.#scheduleRead(c.id);
    }
    this.list = upsertConversation(this.list, c, this.filter, this.#deps.me()?.id ?? null);
    if (this.current?.id === c.id || this.openId === c.id) this.current = c;
    this.#trackUnread(c, opts);
  }

  #putMessage(message: Message, source: Source): void {
    const t = this.threads[message.conversationId];
    if (!t) return; // not opened: the list preview is enough
    this.#setThread(message.conversationId, { ...t, messages: upsertMessage(t.messages, message, source) });
  }

  /** The list query: a search looks in every status tab; the assignee, label and number filters always apply. */
  #listQuery(): ListQuery {
    const { status, q, assignee, label, instanceId } = this.filter;
    const scope = { assignee, label, instanceId };
    return isSearch(this.filter) ? { q: q.trim(), ...scope } : { status, ...scope };
  }

  /**
   * Keeps the unread counts current from a conversation's new version: exact when its previous
   * state is known (or it is a brand-new unread one), else re-read from the server shortly.
   */
  #trackUnread(c: Conversation, opts: { incoming?: boolean; snapshot?: boolean } = {}): void {
    if (c.unreadCount > 0) this.unreadIds.add(c.id);
    else this.unreadIds.delete(c.id);
    const next = { status: c.status, unread: c.unreadCount > 0 };
    if (opts.snapshot) {
      this.#known.set(c.id, next); // a page: as the server counted it
      return;
    }
    const prev =
      this.#known.get(c.id) ??
      (opts.incoming && c.unreadCount === 1 ? { status: c.status, unread: false } : null);
    this.#known.set(c.id, next);
    if (!prev) {
      if (next.unread) this.#scheduleUnread();
      return;
    }
    if (prev.unread === next.unread && prev.status === next.status) return;
    const counts = { ...this.unread };
    if (prev.unread) {
      counts.total--;
      counts[prev.status]--;
    }
    if (next.unread) {
      counts.total++;
      counts[next.status]++;
    }
    this.#unreadVersion++;
    this.unread = counts;
  }

  #scheduleUnread(): void {
    this.#unreadVersion++;
    if (this.#unreadTimer) clearTimeout(this.#unreadTimer);
    this.#unreadTimer = setTimeout(() => {
      this.#unreadTimer = null;
      void this.loadUnread();
    }, UNREAD_REFRESH_MS);
  }

  #scheduleRead(id: string): void {
    if (this.#readTimer) clearTimeout(this.#readTimer);
    this.#readTimer = setTimeout(() => {
      this.#readTimer = null;
      this.#read(id);
    }, 400);
  }

  async #loadThread(id: string): Promise<void> {
    this.#setThread(id, { ...this.thread(id), loading: true, error: null });
    const captured = this.#capture();
    try {
      const page = await this.#deps.api.conversations.messages(id, { limit: PAGE_SIZE });
      let messages: Message[] = [];
      for (const m of page) messages = upsertMessage(messages, m, 'rest');
      // Keep optimistic messages typed while loading.
      for (const m of this.thread(id).messages)
        if (m.status === 'pending') messages = upsertMessage(messages, m, 'rest');
      this.#setThread(id, {
        messages,
        ...pageEnd(page, PAGE_SIZE),
        loading: false,
        loaded: true,
        error: null,
      });
      this.#replay(captured);
    } catch (error) {
      this.#setThread(id, { ...this.thread(id), loading: false, error });
    } finally {
      this.#captures.delete(captured);
    }
  }

  async #fetchConversation(id: string): Promise<void> {
    try {
      const c = await this.#deps.api.conversations.get(id);
      if (this.openId === id) this.current = c;
    } catch (error) {
      this.#deps.onError?.(error);
    }
  }

  #setThread(id: string, t: Thread): void {
    this.threads = { ...this.threads, [id]: t };
  }

  #touchThread(id: string): void {
    this.#threadOrder = [id, ...this.#threadOrder.filter((x) => x !== id)];
    if (!this.threads[id]) this.#setThread(id, emptyThread());
    if (this.#threadOrder.length > MAX_CACHED_THREADS) {
      const drop = this.#threadOrder.slice(MAX_CACHED_THREADS);
      this.#threadOrder = this.#threadOrder.slice(0, MAX_CACHED_THREADS);
      const next = { ...this.threads };
      for (const d of drop) delete next[d];
      this.threads = next;
    }
  }

  #capture(): DurableEvent[] {
    const list: DurableEvent[] = [];
    this.#captures.add(list);
    return list;
  }

  #replay(events: DurableEvent[]): void {
    for (const e of events.splice(0)) {
      const handler = this.#handlers[e.type] as ((d: unknown) => void) | undefined;
      if (e.type === 'message.created') {
        const { message, conversation } = e.data as EventData<'message.created'>;
        this.#putConversation(conversation, 'event');
        this.#putMessage(message, 'event');
      } else handler?.(e.data);
    }
  }
}
