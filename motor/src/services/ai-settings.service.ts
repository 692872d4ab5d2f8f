import type { AiHealth, AiSettings, AiTestResult, PutAiSettingsBody } from '@atende/shared';
import type { Db } from '../ports/db.port.js';
import { LlmError, type Llm } from '../ports/llm.port.js';
import { buildPrompt, MAX_PROMPT_PRODUCTS, type PromptProduct } from './ai-prompt.js';
import type { Caller } from './conversations.service.js';

type StoredSettings = Omit<AiSettings, 'model' | 'available'> & { model: string | null };

/**
 * The account's AI settings (GET/PUT /api/settings/ai), the test box (POST /api/settings/ai/test:
 * the products a question matches and the model's answer, nothing sent to WhatsApp) and the AI's
 * health for the overview. `available` is whether this Motor has a GROQ_API_KEY (an llm port).
 *
 * @example
 *   const sut = new AiSettingsService({ db, llm, defaultModel: config.aiModel });
 *   await sut.put(caller, { enabled: true, replyDelayMs: 2000 });
 */
export class AiSettingsService {
  constructor(private readonly deps: { db: Db; llm: Llm | null; defaultModel: string }) {}

  get available(): boolean {
    return this.deps.llm !== null;
  }

  async get(caller: Pick<Caller, 'accountId'>): Promise<AiSettings> {
    return this.shape(
      await this.deps.db.call<StoredSettings>('ai_settings_get', { accountId: caller.accountId }),
    );
  }

  async put(caller: Pick<Caller, 'accountId'>, patch: PutAiSettingsBody): Promise<AiSettings> {
    const clean = Object.fromEntries(
      Object.entries(patch).map(([k, v]) => [k, typeof v === 'string' ? v.replaceAll('\u0000', '') : v]),
    );
    if (patch.handoffKeywords)
      clean.handoffKeywords = [...new Set(patch.handoffKeywords.map((k) => k.replaceAll('\u0000', '')))];
    return this.shape(
      await this.deps.db.call<StoredSettings>('ai_settings_put', {
        accountId: caller.accountId,
        patch: clean,
      }),
    );
  }

  /** The test box: what a customer asking `text` would get. Never touches a conversation or WhatsApp. */
  async test(caller: Pick<Caller, 'accountId'>, text: string): Promise<AiTestResult> {
    const [settings, matched] = await Promise.all([
      this.get(caller),
      this.deps.db.call<Array<PromptProduct & { id: string; matched: boolean }>>('match_products', {
        accountId: caller.accountId,
        text,
        limit: MAX_PROMPT_PRODUCTS,
      }),
    ]);
    const products = matched.map(({ id, name, priceCents, currency, sku, matched: m }) => ({
      id,
      name,
      priceCents,
      currency,
      sku,
      matched: m,
    }));
    if (!this.deps.llm) return { products, answer: null, error: 'not_available', usage: null };
    const messages = buildPrompt({
      ...settings,
      products: matched,
      history: [{ role: 'user', content: text }],
    });
    try {
      const r = await this.deps.llm.complete({ model: settings.model, messages });
      const usage = r.usage
        ? { promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens }
        : null;
      return { products, answer: r.text, error: null, usage };
    } catch (err) {
      if (err instanceof LlmError) return { products, answer: null, error: err.kind, usage: null };
      throw err;
    }
  }

  health(accountId: string): Promise<AiHealth> {
    return this.deps.db.call<AiHealth>('ai_health', { accountId });
  }

  private shape(s: StoredSettings): AiSettings {
    return { ...s, model: s.model ?? this.deps.defaultModel, available: this.available };
  }
}
