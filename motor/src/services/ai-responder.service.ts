import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import { LlmError, type Llm, type LlmFailureKind } from '../ports/llm.port.js';
import type { AccountEvent, RealtimePublisher } from '../ports/realtime.port.js';
import { buildPrompt, MAX_PROMPT_PRODUCTS, type PromptProduct } from './ai-prompt.js';
import type { OutboxWaker } from './send-message.service.js';

interface Job {
  id: string;
  accountId: string;
  conversationId: string;
  handoff: boolean;
  attempts: number;
}

type JobContext =
  | { skip: string }
  | {
      skip?: undefined;
      accountId: string;
      conversationId: string;
      handoff: boolean;
      handoffKeyword: string | null;
      settings: { businessDescription: string; instructions: string; model: string | null };
      customerText: string;
      history: Array<{ role: 'user' | 'assistant'; content: string }>;
    };

export interface AiResponderOptions {
  /** How often due jobs are looked for (jobs of every process; each is claimed once). */
  pollMs?: number;
  /** A claim's lease: ≥ (1 + retries) × the 20 s call timeout plus the backoffs. */
  leaseMs?: number;
  /** Retries after a failed model call (the contract: at most 2). */
  retries?: number;
  /** First backoff; doubles per retry. A 429's retry-after wins (up to `maxRetryAfterMs`). */
  backoffMs?: number;
  maxRetryAfterMs?: number;
  /** Jobs handled at once by this process. */
  concurrency?: number;
  owner?: string;
}

/** Why the AI did not answer, in the system message agents see (pt-BR, the product's first language). */
export function failureText(kind: LlmFailureKind, status?: number): string {
  switch (kind) {
    case 'timeout':
      return 'o Groq não respondeu em 20 segundos';
    case 'rate_limited':
      return 'o Groq atingiu o limite de uso (HTTP 429)';
    case 'server_error':
      return `o Groq teve um erro interno (HTTP ${status ?? '5xx'})`;
    case 'network':
      return 'não foi possível contactar o Groq';
    case 'empty':
      return 'o modelo respondeu sem texto';
    case 'rejected':
      return `o Groq recusou a chamada (HTTP ${status ?? '4xx'}): confira a chave GROQ_API_KEY e o modelo`;
  }
}

/**
 * The AI attendant's loop (docs/ai.md), running in every Motor process with a GROQ_API_KEY. A
 * customer message schedules its conversation's job in SQL (in the message's own transaction);
 * here due jobs are claimed (`app.ai_claim`, FOR UPDATE SKIP LOCKED + lease), every rule is
 * checked again (`app.ai_job_context`), then either the handoff is made (no model call) or ONE
 * chat completion is asked for the whole burst — retried at most twice (backoff, retry-after) —
 * and the answer goes into the outbox as `{sender:"ai"}`. Failures store a system message with the
 * reason; 5 in a row pause the account's AI for 60 s (`app.ai_job_failed`).
 *
 * @example
 *   const ai = new AiResponder({ db, llm, realtime, outbox, logger, defaultModel: 'llama-3.3-70b-versatile' });
 *   ai.start();
 *   await ai.stop();
 */
export class AiResponder {
  readonly owner: string;
  private readonly o: Required<Omit<AiResponderOptions, 'owner'>>;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private claiming = false;
  private inFlight = 0;
  private readonly running = new Set<Promise<unknown>>();
  private readonly sleeps = new Set<() => void>();

  constructor(
    private readonly deps: {
      db: Db;
      llm: Llm;
      realtime: RealtimePublisher;
      outbox?: OutboxWaker | null;
      logger: Logger;
      defaultModel: string;
    },
    opts: AiResponderOptions = {},
  ) {
    this.owner = opts.owner ?? `ai-${randomUUID()}`;
    this.o = {
      pollMs: opts.pollMs ?? 500,
      leaseMs: opts.leaseMs ?? 120_000,
      retries: opts.retries ?? 2,
      backoffMs: opts.backoffMs ?? 1_000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 20_000,
      concurrency: opts.concurrency ?? 4,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => void this.tick(), this.o.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const wake of this.sleeps) wake();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Claims due jobs once and handles them; resolves when they are done (tests, benchmarks). */
  async runOnce(): Promise<number> {
    const jobs = await this.claim(this.o.concurrency);
    await Promise.all(jobs.map((j) => this.track(this.handle(j))));
    return jobs.length;
  }

  private claim(limit: number): Promise<Job[]> {
    return this.deps.db.call<Job[]>('ai_claim', { owner: this.owner, limit, leaseMs: this.o.leaseMs });
  }

  /** Claims as many due jobs as there are free slots; each runs on its own (a slow one holds only its slot). */
  private async tick(): Promise<void> {
    const free = this.o.concurrency - this.inFlight;
    if (this.claiming || this.stopped || free <= 0) return;
    this.claiming = true;
    try {
      for (const job of await this.claim(free)) {
        this.inFlight += 1;
        void this.track(this.handle(job)).finally(() => (this.inFlight -= 1));
      }
    } catch (err) {
      this.deps.logger.warn({ err }, 'ai claim failed');
    } finally {
      this.claiming = false;
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    return p.finally(() => this.running.delete(p));
  }

  private async handle(job: Job): Promise<void> {
    try {
      const ctx = await this.deps.db.call<JobContext>('ai_job_context', { owner: this.owner, jobId: job.id });
      if (ctx.skip !== undefined) {
        this.deps.logger.debug({ jobId: job.id, skip: ctx.skip }, 'ai job skipped');
        return;
      }
      if (ctx.handoff) {
        const keyword = ctx.handoffKeyword ?? 'atendente';
        const r = await this.deps.db.call<{ events: AccountEvent[] }>('ai_job_handoff', {
          owner: this.owner,
          jobId: job.id,
          text: `O cliente pediu um atendente ("${keyword}"). A IA parou nesta conversa: responda você.`,
        });
        this.deps.realtime.publish(r.events);
        return;
      }
      const products = await this.deps.db.call<PromptProduct[]>('match_products', {
        accountId: ctx.accountId,
        text: ctx.customerText,
        limit: MAX_PROMPT_PRODUCTS,
      });
      const messages = buildPrompt({ ...ctx.settings, products, history: ctx.history });
      await this.answer(job, ctx.settings.model ?? this.deps.defaultModel, messages);
    } catch (err) {
      this.deps.logger.error({ err, jobId: job.id }, 'ai job failed');
    }
  }

  private async answer(job: Job, model: string, messages: ReturnType<typeof buildPrompt>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return; // the lease expires and another process takes the job
      try {
        const r = await this.deps.llm.complete({ model, messages });
        const done = await this.deps.db.call<{ events: AccountEvent[]; outcome: string }>('ai_job_answer', {
          owner: this.owner,
          jobId: job.id,
          text: r.text,
          promptTokens: r.usage?.promptTokens ?? null,
          completionTokens: r.usage?.completionTokens ?? null,
        });
        this.deps.realtime.publish(done.events);
        if (done.outcome === 'answered') this.deps.outbox?.wake();
        return;
      } catch (err) {
        if (!(err instanceof LlmError)) throw err;
        const final = attempt >= this.o.retries;
        const r = await this.deps.db.call<{ events: AccountEvent[]; pausedUntil: string | null }>(
          'ai_job_failed',
          {
            owner: this.owner,
            jobId: job.id,
            kind: err.kind,
            text: `A IA não respondeu: ${failureText(err.kind, err.opts.status)}. Responda o cliente você mesmo.`,
            final,
          },
        );
        this.deps.realtime.publish(r.events);
        this.deps.logger.warn(
          { jobId: job.id, kind: err.kind, attempt, pausedUntil: r.pausedUntil },
          'ai model call failed',
        );
        if (final || r.pausedUntil) return;
        const wait =
          err.kind === 'rate_limited' && err.opts.retryAfterMs !== undefined
            ? Math.min(err.opts.retryAfterMs, this.o.maxRetryAfterMs)
            : this.o.backoffMs * 2 ** attempt;
        await this.sleep(wait);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.sleeps.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.sleeps.add(done);
    });
  }
}
