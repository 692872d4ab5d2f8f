/** What drafts need from `localStorage` (injected in tests). */
export type DraftStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** Whose drafts these are: one browser may be used by several people and accounts. */
export interface DraftScope {
  accountId: string;
  userId: string;
}

/**
 * The composer's unsent text, one per conversation, kept in localStorage so a reload keeps it and
 * another conversation never shows it (`atende:draft:<account>:<user>:<conversation>`).
 *
 * @example
 * const drafts = new Drafts(() => ({ accountId, userId }));
 * drafts.set(conversationId, 'Olá, tudo bem?');
 * drafts.get(conversationId); // 'Olá, tudo bem?'
 */
export class Drafts {
  readonly #scope: () => DraftScope | null;
  readonly #storage: () => DraftStorage | null;

  constructor(scope: () => DraftScope | null, storage: () => DraftStorage | null = browserStorage) {
    this.#scope = scope;
    this.#storage = storage;
  }

  get(conversationId: string): string {
    const key = this.#key(conversationId);
    if (!key) return '';
    try {
      return this.#storage()?.getItem(key) ?? '';
    } catch {
      return '';
    }
  }

  /** Stores the text (an empty or blank one removes the draft). */
  set(conversationId: string, text: string): void {
    const key = this.#key(conversationId);
    const storage = this.#storage();
    if (!key || !storage) return;
    try {
      if (text.trim()) storage.setItem(key, text);
      else storage.removeItem(key);
    } catch {
      // Storage full or disabled: the draft lives only while the page is open.
    }
  }

  #key(conversationId: string): string | null {
    const s = this.#scope();
    return s ? `atende:draft:${s.accountId}:${s.userId}:${conversationId}` : null;
  }
}

function browserStorage(): DraftStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
