import type { CreateQuickReplyBody, PatchQuickReplyBody, QuickReply } from '@atende/shared';
import type { Api } from '$lib/api';

/**
 * The account's quick replies (`/atalho` in the composer, managed in Configurações → Atendimento),
 * loaded once per session and kept in shortcut order.
 *
 * @example
 * await quickReplies.ensure();
 * quickReplies.matching('pi'); // [{ shortcut: 'pix', … }]
 */
export class QuickRepliesStore {
  items = $state.raw<QuickReply[]>([]);
  loaded = $state(false);
  #loading: Promise<void> | null = null;
  readonly #api: Pick<Api, 'quickReplies'>;

  constructor(api: Pick<Api, 'quickReplies'>) {
    this.#api = api;
  }

  /** Loads the list the first time it is needed. */
  ensure(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.#loading ??= this.load().finally(() => (this.#loading = null));
    return this.#loading;
  }

  async load(): Promise<void> {
    this.items = sorted(await this.#api.quickReplies.list());
    this.loaded = true;
  }

  /** Shortcuts starting with `q` first, then those containing it, then texts containing it. */
  matching(q: string, limit = 8): QuickReply[] {
    const needle = q.toLowerCase();
    if (!needle) return this.items.slice(0, limit);
    const starts = this.items.filter((r) => r.shortcut.startsWith(needle));
    const inside = this.items.filter((r) => !r.shortcut.startsWith(needle) && r.shortcut.includes(needle));
    const inText = this.items.filter(
      (r) => !r.shortcut.includes(needle) && fold(r.text).includes(fold(needle)),
    );
    return [...starts, ...inside, ...inText].slice(0, limit);
  }

  async create(body: CreateQuickReplyBody): Promise<QuickReply> {
    const r = await this.#api.quickReplies.create(body);
    this.items = sorted([...this.items, r]);
    return r;
  }

  async update(id: string, body: PatchQuickReplyBody): Promise<QuickReply> {
    const r = await this.#api.quickReplies.update(id, body);
    this.items = sorted(this.items.map((x) => (x.id === id ? r : x)));
    return r;
  }

  async remove(id: string): Promise<void> {
    await this.#api.quickReplies.remove(id);
    this.items = this.items.filter((x) => x.id !== id);
  }

  clear(): void {
    this.items = [];
    this.loaded = false;
  }
}

const sorted = (list: QuickReply[]) => [...list].sort((a, b) => a.shortcut.localeCompare(b.shortcut));
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
