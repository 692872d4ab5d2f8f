import type { Campaign, DurableEvent } from '@atende/shared';
import type { Api } from '$lib/api';

/**
 * The account's campaigns, kept live by `campaign.updated` (status changes and progress about
 * twice a second while one runs). REST seeds the list; a live update never loses to a slower
 * REST answer (each item keeps the newest `updatedAt`).
 *
 * @example
 * await campaigns.load();
 * campaigns.apply(event); // from the realtime client
 */
export class CampaignsStore {
  items = $state.raw<Campaign[]>([]);
  loaded = $state(false);
  readonly #api: Pick<Api, 'campaigns'>;

  constructor(api: Pick<Api, 'campaigns'>) {
    this.#api = api;
  }

  byId(id: string): Campaign | undefined {
    return this.items.find((c) => c.id === id);
  }

  async load(): Promise<void> {
    const list = await this.#api.campaigns.list();
    for (const c of list) this.put(c);
    this.items = this.items.filter((c) => list.some((x) => x.id === c.id));
    this.loaded = true;
  }

  async refresh(id: string): Promise<Campaign> {
    const c = await this.#api.campaigns.get(id);
    this.put(c);
    return c;
  }

  /** Inserts or replaces (newest first), unless the held copy is newer. */
  put(c: Campaign): void {
    const at = this.items.findIndex((x) => x.id === c.id);
    if (at === -1) {
      this.items = [c, ...this.items].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return;
    }
    if (this.items[at]!.updatedAt > c.updatedAt) return;
    this.items = this.items.map((x, k) => (k === at ? c : x));
  }

  remove(id: string): void {
    this.items = this.items.filter((c) => c.id !== id);
  }

  apply(e: DurableEvent): void {
    if (e.type !== 'campaign.updated') return;
    this.put(e.data.campaign as Campaign);
  }

  clear(): void {
    this.items = [];
    this.loaded = false;
  }
}
