import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import type { Logger } from '../logger.js';
import { byEventsSuffix, evolutionDateTime, subscriptionName } from './evolution-payloads.js';
import type { SimInstance, SimulatorTimings, WebhookLogEntry } from './simulator.state.js';

const NON_RETRYABLE = new Set([400, 401, 403, 404, 422]);
const LOG_SIZE = 100;

/**
 * Sends the webhooks Evolution 2.3.6 would send (WebhookController.emit): its envelope, the
 * instance's headers verbatim (`jwt_key` → `Authorization: Bearer <HS256 JWT>`), and its retry
 * policy (5xx/timeouts/network errors retried with exponential backoff and jitter; 400, 401, 403,
 * 404 and 422 dropped at once). Deliveries run concurrently, so order is not guaranteed, as in
 * Evolution.
 *
 * @example
 *   const hooks = new SimulatorWebhooks({ serverUrl: () => url, timings, logger });
 *   hooks.emit(instance, 'connection.update', { instance: 'x', state: 'connecting', statusReason: 200 });
 */
export class SimulatorWebhooks {
  private readonly pending = new Set<Promise<void>>();
  private readonly aborter = new AbortController();

  constructor(
    private readonly opts: {
      serverUrl: () => string;
      timings: SimulatorTimings;
      logger: Logger;
      fetch?: typeof fetch;
      /** AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES: `apikey` carries the instance token (else null). */
      exposeToken?: boolean;
    },
  ) {}

  /** Fires one event at the instance's webhook when it is enabled and subscribed to it. */
  emit(inst: SimInstance, event: string, data: unknown): void {
    const hook = inst.webhook;
    if (!hook?.enabled || !/^https?:\/\//.test(hook.url)) return;
    if (!hook.events.includes(subscriptionName(event))) return;
    const body: Record<string, unknown> = {
      event,
      instance: inst.name,
      data,
      destination: hook.url,
      date_time: evolutionDateTime(),
      sender: inst.wuid ?? undefined, // JSON drops undefined: absent until the first `open`
      server_url: this.opts.serverUrl(),
      apikey: this.opts.exposeToken ? inst.token : null,
    };
    const url = hook.webhookByEvents ? `${hook.url}/${byEventsSuffix(event)}` : hook.url;
    const entry: WebhookLogEntry = { event, url, status: null, attempts: 0, outcome: 'pending' };
    inst.webhooks.log.push(entry);
    if (inst.webhooks.log.length > LOG_SIZE) inst.webhooks.log.shift();
    const p = this.deliver(inst, url, { ...hook.headers }, JSON.stringify(body), entry).finally(() =>
      this.pending.delete(p),
    );
    this.pending.add(p);
  }

  /** Resolves when every delivery in flight has finished (delivered or dropped). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Abandons retries (on close or reset). */
  stop(): void {
    this.aborter.abort();
  }

  private async deliver(
    inst: SimInstance,
    url: string,
    custom: Record<string, string>,
    body: string,
    entry: WebhookLogEntry,
  ) {
    const { retry, webhookTimeoutMs } = this.opts.timings;
    const fetchFn = this.opts.fetch ?? globalThis.fetch;
    for (let attempt = 1; attempt <= retry.maxAttempts; attempt++) {
      if (this.aborter.signal.aborted) return;
      entry.attempts = attempt;
      try {
        const res = await fetchFn(url, {
          method: 'POST',
          headers: await this.headers(custom),
          body,
          signal: AbortSignal.any([AbortSignal.timeout(webhookTimeoutMs), this.aborter.signal]),
        });
        await res.arrayBuffer().catch(() => undefined);
        entry.status = res.status;
        if (res.ok) return void ((entry.outcome = 'delivered'), inst.webhooks.sent++);
        if (NON_RETRYABLE.has(res.status)) break;
      } catch (err) {
        entry.status = null;
        this.opts.logger.debug({ err, url, event: entry.event, attempt }, 'simulated webhook attempt failed');
      }
      if (attempt < retry.maxAttempts) {
        const ok = await sleep(this.delay(attempt), undefined, { signal: this.aborter.signal }).then(
          () => true,
          () => false,
        );
        if (!ok) return;
      }
    }
    entry.outcome = 'dropped';
    inst.webhooks.failed++;
    this.opts.logger.warn(
      { url, event: entry.event, status: entry.status, attempts: entry.attempts },
      'simulated Evolution dropped a webhook',
    );
  }

  private delay(attempt: number): number {
    const { initialDelayMs, maxDelayMs, jitter } = this.opts.timings.retry;
    const base = Math.min(initialDelayMs * 2 ** (attempt - 1), maxDelayMs);
    return Math.max(initialDelayMs, base + base * jitter * (Math.random() * 2 - 1));
  }

  private async headers(custom: Record<string, string>): Promise<Record<string, string>> {
    const { jwt_key: jwtKey, ...rest } = custom;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/plain, */*',
      'user-agent': 'atende-evolution-simulator/2.3.6 (simulated)',
      ...rest,
    };
    if (jwtKey) headers.authorization = `Bearer ${await webhookJwt(jwtKey)}`;
    return headers;
  }
}

/** Evolution's webhook JWT: HS256 over `{iat, exp: iat+600, app:"evolution", action:"webhook"}`. */
export async function webhookJwt(key: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  return new SignJWT({ app: 'evolution', action: 'webhook' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + 600)
    .sign(new TextEncoder().encode(key));
}
