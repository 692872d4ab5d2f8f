/**
 * Pure inbox rules (no Svelte, no I/O): how a conversation list and a thread change when an event
 * or a REST page arrives. The rune store in `inbox.svelte.ts` holds the state and calls these.
 */
import { statusMovesForward, type Conversation, type ConversationStatus, type Message, type MessageStatus } from '@atende/shared';

export interface ConversationFilter {
  status: ConversationStatus;
  q: string;
  /** `me` (Minhas), `none` (Sem responsável) or a user id; absent = Todas. */
  assignee?: string;
  /** One conversation label. */
  label?: string;
  /** One number (instance id). */
  instanceId?: string;
}

/** The filters kept in the inbox URL (`?status=&assignee=&label=&instanceId=`); the search is not. */
export type UrlFilter = Omit<ConversationFilter, 'q'>;

const STATUSES: readonly ConversationStatus[] = ['open', 'pending', 'resolved'];

/**
 * The inbox filter a URL's query asks for (unknown values fall back to the defaults).
 *
 * @example filterFromQuery(new URLSearchParams('status=pending&assignee=me')) // { status: 'pending', assignee: 'me' }
 */
export function filterFromQuery(params: URLSearchParams): UrlFilter {
  const status = params.get('status') as ConversationStatus | null;
  const f: UrlFilter = { status: status && STATUSES.includes(status) ? status : 'open' };
  const assignee = params.get('assignee')?.trim();
  if (assignee) f.assignee = assignee;
  const label = params.get('label')?.trim();
  if (label) f.label = label;
  const instanceId = params.get('instanceId')?.trim();
  if (instanceId) f.instanceId = instanceId;
  return f;
}

/**
 * The query string of a filter (defaults left out), with a leading `?` or empty.
 *
 * @example filterToQuery({ status: 'open', label: 'vip' }) // '?label=vip'
 */
export function filterToQuery(f: UrlFilter): string {
  const p = new URLSearchParams();
  if (f.status !== 'open') p.set('status', f.status);
  if (f.assignee) p.set('assignee', f.assignee);
  if (f.label) p.set('label', f.label);
  if (f.instanceId) p.set('instanceId', f.instanceId);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Whether two filters ask the server for the same list (search included). */
export function sameFilter(a: ConversationFilter, b: ConversationFilter): boolean {
  return (
    a.status === b.status &&
    a.q.trim() === b.q.trim() &&
    (a.assignee ?? '') === (b.assignee ?? '') &&
    (a.label ?? '') === (b.label ?? '') &&
    (a.instanceId ?? '') === (b.instanceId ?? '')
  );
}

/** Whether a conversation passes the assignee, label and number filters (`me`: the agent's user id). */
export function matchesScope(c: Conversation, f: ConversationFilter, me: string | null = null): boolean {
  if (f.assignee === 'me' ? c.assigneeId !== me : f.assignee === 'none' ? c.assigneeId !== null : f.assignee ? c.assigneeId !== f.assignee : false)
    return false;
  if (f.label && !(c.labels ?? []).includes(f.label)) return false;
  if (f.instanceId && c.instanceId !== f.instanceId) return false;
  return true;
}

/** A REST page: the items, plus the server's `x-next-cursor` (null at the end). */
export type Page<T> = T[] & { nextCursor?: string | null };

export interface ListState {
  /** Newest activity first. */
  items: Conversation[];
  /** More pages exist on the server. */
  hasMore: boolean;
  /** The server's keyset cursor (time and id) for the next page. */
  cursor?: string | null;
}

export interface ThreadState {
  /** Oldest first (WhatsApp's time, then arrival). */
  messages: Message[];
  hasMore: boolean;
  /** The server's keyset cursor for the next, older page. */
  cursor?: string | null;
}

/** Where a message version came from: events are ordered; REST answers may be stale. */
export type Source = 'event' | 'rest';

const time = (iso: string | null | undefined): number => (iso ? Date.parse(iso) || 0 : 0);

/** Orders conversations newest activity first, then by id descending: the server's order. */
export function compareActivity(a: Conversation, b: Conversation): number {
  const d = time(b.lastMessageAt) - time(a.lastMessageAt);
  return d !== 0 ? d : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Lower-cases and strips accents, so "joão" matches "Joao". */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** A search looks in every status tab. */
export const isSearch = (filter: ConversationFilter): boolean => filter.q.trim() !== '';

/** Whether a conversation belongs in the list under this filter (best effort for `q`: name, phone, preview). */
export function matchesFilter(c: Conversation, filter: ConversationFilter): boolean {
  const q = fold(filter.q.trim());
  if (!q) return c.status === filter.status;
  const digits = q.replace(/\D/g, '');
  const hay = fold(
    [c.contact?.name, c.group?.subject, c.lastMessagePreview]
      .filter((v): v is string => !!v)
      .join(' \u0000 '),
  );
  return hay.includes(q) || (digits.length >= 3 && !!c.contact?.phone?.includes(digits));
}

/**
 * Puts a new version of a conversation where it belongs: removed when it left the filter,
 * moved to its activity position otherwise. A conversation already listed stays listed while its
 * status matches even if `q` no longer matches client-side (the server also searches message text).
 * A conversation older than the last loaded one is left for pagination to bring in.
 */
export function upsertConversation(
  list: ListState,
  conv: Conversation,
  filter: ConversationFilter,
  me: string | null = null,
): ListState {
  const at = list.items.findIndex((c) => c.id === conv.id);
  const listed = at !== -1;
  const rest = listed ? list.items.filter((_, i) => i !== at) : list.items;
  const keep =
    matchesScope(conv, filter, me) &&
    (listed ? isSearch(filter) || conv.status === filter.status : matchesFilter(conv, filter));
  if (!keep) return listed ? { ...list, items: rest } : list;
  const last = rest[rest.length - 1];
  if (!listed && list.hasMore && last && compareActivity(conv, last) > 0) return list;
  let pos = rest.findIndex((c) => compareActivity(conv, c) < 0);
  if (pos === -1) pos = rest.length;
  const items = rest.slice();
  items.splice(pos, 0, conv);
  return { ...list, items };
}

/** Appends a REST page (deduped by id); the server's cursor (or, without one, a short page) tells the end. */
export function appendPage(list: ListState, page: Page<Conversation>, limit: number): ListState {
  const seen = new Set(list.items.map((c) => c.id));
  const fresh = page.filter((c) => !seen.has(c.id));
  return { items: [...list.items, ...fresh], ...pageEnd(page, limit) };
}

/** Whether more pages follow, and the cursor to fetch the next one. */
export function pageEnd(page: Page<unknown>, limit: number): { hasMore: boolean; cursor: string | null } {
  if (page.nextCursor !== undefined) return { hasMore: page.nextCursor !== null, cursor: page.nextCursor };
  return { hasMore: page.length >= limit, cursor: null };
}

/**
 * Statuses only move forward (shared `statusMovesForward`, the server's rule), except that a retry
 * of a failed message moves it back to pending: only its events can say so, a REST page cannot.
 */
export function mergeStatus(prev: MessageStatus, next: MessageStatus, source: Source): MessageStatus {
  if (prev === next) return next;
  if (prev === 'failed' && source === 'event') return next;
  return statusMovesForward(prev, next) ? next : prev;
}

/** Merges two versions of one message, keeping the more advanced status. */
export function mergeMessage(prev: Message, next: Message, source: Source): Message {
  const status = mergeStatus(prev.status, next.status, source);
  return {
    ...prev,
    ...next,
    clientId: next.clientId ?? prev.clientId ?? null,
    // A version older than the one shown (the POST's answer after the socket's "sent") never
    // takes back the WhatsApp id the newer one brought.
    waMessageId: next.waMessageId ?? prev.waMessageId,
    status,
    error:
      status === 'failed' ? (next.error ?? prev.error) : status === prev.status ? prev.error : next.error,
  };
}

/** When WhatsApp says a message was sent (its messageTimestamp); arrival time until it is known. */
export const messageTime = (m: Message): string => m.sentAt ?? m.createdAt;

/** Thread order, as the server's: WhatsApp's time, then arrival, then id. */
export function compareMessages(a: Message, b: Message): number {
  const d = time(messageTime(a)) - time(messageTime(b)) || time(a.createdAt) - time(b.createdAt);
  return d !== 0 ? d : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Adds or updates a message in an oldest-first list. Matches on `id`, or on `clientId` (an
 * optimistic message is replaced by the server's version); if both an optimistic copy and a
 * server copy are present they collapse into one.
 */
export function upsertMessage(messages: Message[], msg: Message, source: Source): Message[] {
  const byId = messages.findIndex((m) => m.id === msg.id);
  const byClient = msg.clientId ? messages.findIndex((m) => m.clientId === msg.clientId) : -1;
  let merged = msg;
  let rest = messages;
  const hits = [byId, byClient].filter((i, k, all) => i !== -1 && all.indexOf(i) === k);
  if (hits.length > 0) {
    for (const i of hits) merged = mergeMessage(messages[i]!, merged, source);
    rest = messages.filter((_, i) => !hits.includes(i));
  }
  // Almost always the newest: search from the end.
  let pos = rest.length;
  while (pos > 0 && compareMessages(merged, rest[pos - 1]!) < 0) pos--;
  const out = rest.slice();
  out.splice(pos, 0, merged);
  return out;
}

/** Prepends an older page (deduped), keeping order. */
export function prependPage(thread: ThreadState, page: Page<Message>, limit: number): ThreadState {
  let messages = thread.messages;
  for (const m of page) messages = upsertMessage(messages, m, 'rest');
  return { messages, ...pageEnd(page, limit) };
}

/** A local, not yet sent message shown at once (replaced when the server's version arrives). */
export function optimisticMessage(opts: {
  conversationId: string;
  clientId: string;
  text: string;
  author: { id: string; name: string };
  now?: Date;
  /** The message it replies to. */
  quoted?: Message | null;
}): Message {
  return {
    id: opts.clientId,
    clientId: opts.clientId,
    conversationId: opts.conversationId,
    waMessageId: null,
    direction: 'out',
    sender: 'agent',
    authorId: opts.author.id,
    authorName: opts.author.name,
    participant: null,
    type: 'text',
    text: opts.text,
    media: null,
    quotedWaMessageId: opts.quoted?.waMessageId ?? null,
    quoted: opts.quoted ? quoteOf(opts.quoted) : null,
    reactions: null,
    status: 'pending',
    error: null,
    sentAt: null,
    createdAt: (opts.now ?? new Date()).toISOString(),
  };
}

export interface DayGroup {
  /** Local calendar day, YYYY-MM-DD. */
  day: string;
  messages: Message[];
}

/** Local YYYY-MM-DD of an ISO timestamp. */
export function localDay(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Groups an oldest-first list by local day; reactions are shown on their target, not as bubbles. */
export function groupByDay(messages: Message[]): DayGroup[] {
  const groups: DayGroup[] = [];
  for (const m of messages) {
    if (m.type === 'reaction') continue;
    const day = localDay(messageTime(m));
    const last = groups[groups.length - 1];
    if (last && last.day === day) last.messages.push(m);
    else groups.push({ day, messages: [m] });
  }
  return groups;
}

/** Number of conversations with unread messages (the tab title badge). */
export function unreadConversations(unread: Record<string, number>): number {
  let n = 0;
  for (const k in unread) if ((unread[k] ?? 0) > 0) n++;
  return n;
}

/** What a reply shows of the message it quotes (as the server stores it in `Message.quoted`). */
export function quoteOf(m: Message): NonNullable<Message['quoted']> {
  return {
    waMessageId: m.waMessageId ?? '',
    messageId: m.id,
    type: m.type,
    text: m.text?.trim() || m.media?.caption?.trim() || null,
    direction: m.direction,
    authorName: m.authorName ?? null,
  };
}

/**
 * The message with the business's reaction set to `emoji` ("" removes it): the counts move the
 * way the server will move them.
 *
 * @example
 * withOwnReaction({ ...m, reactions: { '👍': 2 }, ownReaction: '👍' }, '❤️').reactions // { '👍': 1, '❤️': 1 }
 */
export function withOwnReaction(m: Message, emoji: string): Message {
  const counts: Record<string, number> = { ...(m.reactions ?? {}) };
  const old = m.ownReaction ?? '';
  if (old && counts[old]) {
    counts[old] -= 1;
    if (counts[old] <= 0) delete counts[old];
  }
  if (emoji) counts[emoji] = (counts[emoji] ?? 0) + 1;
  return { ...m, reactions: Object.keys(counts).length ? counts : null, ownReaction: emoji || null };
}

/**
 * Whether an incoming message deserves a notification and a sound: a new conversation, or a
 * message in a conversation assigned to the agent; never the thread they are looking at, never a
 * reaction or a note.
 */
export function shouldAlert(
  m: Message,
  c: Conversation,
  ctx: { meId: string | null; openId: string | null; viewing: boolean; isNewConversation: boolean },
): boolean {
  if (m.direction !== 'in' || m.type === 'reaction' || m.private) return false;
  if (ctx.viewing && ctx.openId === c.id) return false;
  return (!!ctx.meId && c.assigneeId === ctx.meId) || (ctx.isNewConversation && !c.assigneeId);
}
