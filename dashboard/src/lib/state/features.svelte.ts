import type { Api } from '$lib/api';

/**
 * What this Motor can do, from `GET /api/overview`: today only whether AI replies are available.
 * The AI control is shown only when they are (never "IA respondendo" without an AI).
 */
export class FeaturesStore {
  aiAvailable = $state(false);
  /** The account's AI is switched on (Configurações → IA). */
  aiEnabled = $state(false);
  loaded = $state(false);
  readonly #api: Pick<Api, 'overview'>;

  constructor(api: Pick<Api, 'overview'>) {
    this.#api = api;
  }

  async load(): Promise<void> {
    const o = await this.#api.overview();
    this.aiAvailable = o.aiAvailable === true;
    this.aiEnabled = o.ai?.enabled === true;
    this.loaded = true;
  }

  /** Whether the AI is answering this conversation right now. */
  aiAnswering(c: { aiEnabled: boolean }): boolean {
    return this.aiAvailable && this.aiEnabled && c.aiEnabled;
  }

  clear(): void {
    this.aiAvailable = false;
    this.aiEnabled = false;
    this.loaded = false;
  }
}
